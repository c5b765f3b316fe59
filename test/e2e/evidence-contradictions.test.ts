import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDpaPdf } from "../../src/evidence/fixtures/dpa-fixture.ts";
import { buildSoc2ReportPdf, DEFAULT_EXCEPTIONS } from "../../src/evidence/fixtures/soc2-report-fixture.ts";
import { launchChromium, RESULTS_DIR, type ServedAssay, serveAssay, setUpAdminInBrowser } from "./browser.ts";

let assay: ServedAssay;
let browser: Browser;
let page: Page;

const ADMIN = {
  email: "reviewer@example.com",
  password: "a long reviewer password for tests",
  name: "Risk Reviewer",
};

/** Claims the documents below contradict: a current clean report, 24-hour breach notice, no training. */
const ANSWERS = {
  q01: { value: "type2_current" },
  q03: { value: "no" },
  q05: { value: 24 },
  q18: { value: "no" },
};

beforeAll(async () => {
  assay = await serveAssay();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
});
afterAll(async () => {
  await browser?.close();
  await assay?.stop();
});

/**
 * A submitted tier-2 assessment whose vendor holds an old SOC 2 report with exceptions and a DPA
 * with a 72-hour breach window, set up over the API from the signed-in page.
 */
async function assessmentWithEvidence(): Promise<{ id: string; vendorId: string }> {
  const soc2 = Buffer.from(
    await buildSoc2ReportPdf({
      periodStart: "2024-01-01",
      periodEnd: "2024-12-31",
      exceptions: DEFAULT_EXCEPTIONS,
    }),
  ).toString("base64");
  const dpa = Buffer.from(await buildDpaPdf({ breachPeriod: "within 72 hours" })).toString("base64");
  return page.evaluate(
    async ({ answers, soc2, dpa }) => {
      const csrf = sessionStorage.getItem("assay.csrf") ?? "";
      const call = async (method: string, url: string, body?: unknown, raw?: Uint8Array) => {
        const res = await fetch(url, {
          method,
          headers: {
            "content-type": raw ? "application/octet-stream" : "application/json",
            "x-csrf-token": csrf,
          },
          body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
        });
        if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
        return (await res.json()) as Record<string, unknown>;
      };
      const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const vendor = await call("POST", "/api/vendors", {
        name: "Example Evidence Co",
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
      await call(
        "POST",
        `/api/vendors/${vendor.id}/documents?type=soc2_type2&title=SOC%202%20Type%20II%202024&fileName=soc2-2024.pdf`,
        undefined,
        bytes(soc2),
      );
      await call(
        "POST",
        `/api/vendors/${vendor.id}/documents?type=dpa&title=Signed%20DPA`,
        undefined,
        bytes(dpa),
      );
      const assessment = await call("POST", "/api/assessments", { vendorId: vendor.id });
      const sent = await call("POST", `/api/assessments/${assessment.id}/send`, {});
      const token = String(sent.portalUrl).split("/portal/")[1];
      await call("PUT", `/api/portal/${token}/answers`, { answers });
      await call("POST", `/api/portal/${token}/submit`);
      return { id: String(assessment.id), vendorId: String(vendor.id) };
    },
    { answers: ANSWERS, soc2, dpa },
  );
}

describe("contradictions on the Review screen", () => {
  it("shows the answer and the document quote side by side, with the document named and its page", async () => {
    await setUpAdminInBrowser(page, assay, ADMIN);
    const { id, vendorId } = await assessmentWithEvidence();
    await page.goto(`${assay.url}/assessments/${id}`);
    const findings = page.getByRole("region", { name: /^Findings/ });
    await findings.getByText(/^\d+ · /).waitFor();

    const period = findings.locator('article[data-kind="contradiction"]', {
      hasText: "SOC 2 report claimed current",
    });
    await period.waitFor();
    await expect(period.getByText("Type II, period ended within the last 12 months").count()).resolves.toBe(
      1,
    );
    await expect(period.getByText(/2024/).count()).resolves.toBeGreaterThan(0);
    const link = period.getByRole("link", { name: "SOC 2 Type II 2024" });
    await expect(link.getAttribute("href")).resolves.toMatch(/^\/api\/documents\/[0-9a-f-]{36}\/content$/);
    await expect(period.getByText(/· page \d+/).count()).resolves.toBe(1);

    const breach = findings.locator('article[data-kind="contradiction"]', {
      hasText: "Breach notice answered",
    });
    await expect(breach.getByText("“24 hours”").count()).resolves.toBe(1);
    await expect(breach.getByText(/72 hours/).count()).resolves.toBeGreaterThan(0);
    await expect(breach.getByRole("link", { name: "Signed DPA" }).count()).resolves.toBe(1);

    // The reader's own findings are shown as evidence findings of the same document.
    await expect(
      findings
        .locator('article[data-kind="document"]', { hasText: "Report period ended more than 12 months ago" })
        .count(),
    ).resolves.toBe(1);
    await period.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(RESULTS_DIR, "evidence-contradictions.png"), fullPage: true });

    // The vendor's evidence shows, for the document, the assessment findings that cite it.
    await page.goto(`${assay.url}/vendors/${vendorId}`);
    const report = page.getByRole("article", { name: "SOC 2 Type II 2024" });
    await report.getByRole("button", { name: "Facts and findings" }).click();
    const citations = report.getByRole("region", { name: "Cited by assessment findings" });
    await citations
      .getByText("SOC 2 report claimed current, but its period ended more than 12 months ago")
      .waitFor();
    await expect(citations.getByRole("link", { name: /^assessment of / }).count()).resolves.toBeGreaterThan(
      1,
    );
    const dpa = page.getByRole("article", { name: "Signed DPA" });
    await dpa.getByRole("button", { name: "Facts and findings" }).click();
    await dpa
      .getByRole("region", { name: "Cited by assessment findings" })
      .getByText(/Breach notice answered as 24 hours/)
      .waitFor();
  });
});
