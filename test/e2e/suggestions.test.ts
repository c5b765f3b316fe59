import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type LlmStub,
  SUGGESTED_INVENTED,
  SUGGESTED_RETENTION,
  SUGGESTED_SOURCES,
  SUGGESTION_ANSWERS,
  startLlmStub,
} from "../../src/store/connectors/llm-testing.ts";
import { launchChromium, RESULTS_DIR, type ServedAssay, serveAssay, setUpAdminInBrowser } from "./browser.ts";

let stub: LlmStub;
let assay: ServedAssay;
let browser: Browser;
let page: Page;

const ADMIN = {
  email: "reviewer@example.com",
  password: "a long reviewer password for tests",
  name: "Risk Reviewer",
};

const ANSWERS = SUGGESTION_ANSWERS;
const retention = SUGGESTED_RETENTION;
const sources = SUGGESTED_SOURCES;
const invented = SUGGESTED_INVENTED;

beforeAll(async () => {
  stub = await startLlmStub({
    kind: "reply",
    content: JSON.stringify({ findings: [retention, sources, invented] }),
  });
  // The served process inherits the environment: this is how an operator turns assistance on.
  vi.stubEnv("ASSAY_LLM_BASE_URL", stub.baseUrl);
  vi.stubEnv("ASSAY_LLM_MODEL", "stub-model-e2e");
  assay = await serveAssay();
  vi.unstubAllEnvs();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
});
afterAll(async () => {
  await browser?.close();
  await assay?.stop();
  await stub?.close();
});

/** A tier-2 vendor's questionnaire answered and submitted through the portal, made over the API from the signed-in page. */
async function submittedAssessment(): Promise<string> {
  return page.evaluate(async (answers) => {
    const csrf = sessionStorage.getItem("assay.csrf") ?? "";
    const call = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(url, {
        method,
        headers:
          body === undefined
            ? { "x-csrf-token": csrf }
            : { "content-type": "application/json", "x-csrf-token": csrf },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    };
    const vendor = await call("POST", "/api/vendors", {
      name: "Example Models",
      category: "foundation_model_provider",
    });
    await call("POST", `/api/vendors/${vendor.id}/integrations`, {
      name: "Support assistant",
      deployment: "vendor_api",
      dataClasses: ["customer_data"],
      processingRegions: ["eu"],
      retentionDays: 0,
      trainingUse: "no",
      customerFacing: false,
      decisionCritical: false,
      domain: "general",
    });
    const assessment = await call("POST", "/api/assessments", { vendorId: vendor.id });
    const sent = await call("POST", `/api/assessments/${assessment.id}/send`);
    const token = String(sent.portalUrl).split("/portal/")[1];
    await call("PUT", `/api/portal/${token}/answers`, { answers });
    await call("POST", `/api/portal/${token}/submit`);
    return String(assessment.id);
  }, ANSWERS);
}

describe("AI assistance in the browser", () => {
  it("suggests findings, and an accepted one joins the findings while a dismissed one does not", async () => {
    await setUpAdminInBrowser(page, assay, ADMIN);
    const id = await submittedAssessment();
    await page.goto(`${assay.url}/assessments/${id}`);

    const panel = page.getByRole("region", { name: /Suggested findings/ });
    await panel.waitFor();
    await expect(panel.getByText(/Model stub-model-e2e/).count()).resolves.toBe(1);
    const findings = page.getByRole("region", { name: /^Findings/ });
    await findings.getByText(/^\d+ · /).waitFor();
    const countBefore = Number((await findings.getByText(/^\d+ · /).textContent())?.split(" ")[0]);

    await panel.getByRole("button", { name: "Suggest findings" }).click();
    await expect.poll(() => panel.getByTestId("suggestion").count()).toBe(2);
    await expect(panel.getByTestId("suggestion-run").textContent()).resolves.toContain(
      "1 quote not in the answer",
    );
    const critical = panel.getByRole("article", { name: retention.title });
    await expect(critical.getByText("“Inference data is never stored.”").count()).resolves.toBe(1);
    expect(stub.requests).toHaveLength(1);

    await critical.getByRole("button", { name: "Accept" }).click();
    await findings.getByRole("article", { name: retention.title }).waitFor();
    await expect
      .poll(async () => Number((await findings.getByText(/^\d+ · /).textContent())?.split(" ")[0]))
      .toBe(countBefore + 1);

    const medium = panel.getByRole("article", { name: sources.title });
    await medium.getByRole("button", { name: "Dismiss" }).click();
    await medium.getByLabel("Reason for dismissing (optional)").fill("Opt-out is covered in the DPA");
    await medium.getByRole("button", { name: "Confirm dismiss" }).click();
    await expect.poll(() => panel.getByText("Every suggestion has been decided.").count()).toBe(1);
    await expect(findings.getByRole("article", { name: sources.title }).count()).resolves.toBe(0);
    await page.screenshot({ path: path.join(RESULTS_DIR, "suggestions.png"), fullPage: true });
  });
});
