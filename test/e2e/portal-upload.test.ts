import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plainTextPdf } from "../../src/evidence/fixtures/hostile-pdf.ts";
import { buildSoc2ReportPdf } from "../../src/evidence/fixtures/soc2-report-fixture.ts";
import { launchChromium, RESULTS_DIR, type ServedAssay, serveAssay, setUpAdminInBrowser } from "./browser.ts";

let assay: ServedAssay;
let browser: Browser;
let page: Page;
let vendorContext: BrowserContext | undefined;

const ADMIN = {
  email: "reviewer@example.com",
  password: "a long reviewer password for tests",
  name: "Risk Reviewer",
};

beforeAll(async () => {
  assay = await serveAssay();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
});
afterAll(async () => {
  await vendorContext?.close();
  await browser?.close();
  await assay?.stop();
});

/** A vendor with a sent assessment, set up over the API from the signed-in page. */
async function sentAssessment(): Promise<{ id: string; vendorId: string; portalUrl: string }> {
  return page.evaluate(async () => {
    const csrf = sessionStorage.getItem("assay.csrf") ?? "";
    const call = async (url: string, body?: unknown) => {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrf },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, string>;
    };
    const vendor = await call("/api/vendors", {
      name: "Northwind Models",
      category: "foundation_model_provider",
    });
    const assessment = await call("/api/assessments", { vendorId: vendor.id });
    const sent = await call(`/api/assessments/${assessment.id}/send`, {});
    return { id: assessment.id ?? "", vendorId: vendor.id ?? "", portalUrl: sent.portalUrl ?? "" };
  });
}

describe("evidence files through the vendor portal", () => {
  it("the vendor attaches a PDF to a question, submits, and the reviewer finds it on the answer and the evidence tab", async () => {
    await setUpAdminInBrowser(page, assay, ADMIN);
    const { id, vendorId, portalUrl } = await sentAssessment();
    const report = Buffer.from(await buildSoc2ReportPdf({ serviceOrganization: "Northwind Models Inc." }));

    vendorContext = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const portal = await vendorContext.newPage();
    await portal.goto(`${assay.url}${new URL(portalUrl).pathname}`);
    await portal.getByRole("heading", { name: "Questionnaire for Northwind Models" }).waitFor();
    // The limits are on the page before any file is picked.
    await expect.poll(() => portal.getByTestId("portal-limits").textContent()).toMatch(/up to 50 MB each/);

    // A file the portal does not take is refused inline, next to the question.
    await portal.getByLabel("Attach file to q01").setInputFiles({
      name: "tool.pdf",
      mimeType: "application/pdf",
      buffer: Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00]),
    });
    await expect
      .poll(() => portal.getByTestId("file-error-q01").textContent())
      .toMatch(/not an accepted document type/);

    await portal.getByLabel("Attach file to q01").setInputFiles({
      name: "northwind-soc2.pdf",
      mimeType: "application/pdf",
      buffer: report,
    });
    const q01Files = portal.getByRole("list", { name: "Files attached to q01" });
    await q01Files.getByText("northwind-soc2.pdf").waitFor();
    await expect(portal.getByTestId("file-error-q01").count()).resolves.toBe(0);
    // A file answers its question: the count goes up without any other answer.
    await expect.poll(() => portal.getByText(/^1 of \d+$/).count()).toBe(1);

    // A second file, removed again with the keyboard alone.
    await portal.getByLabel("Attach file to q05").setInputFiles({
      name: "wrong-file.pdf",
      mimeType: "application/pdf",
      buffer: Buffer.from(plainTextPdf([["Not the document meant for this question."]])),
    });
    const removeButton = portal.getByRole("button", { name: "Remove wrong-file.pdf" });
    await removeButton.waitFor();
    await removeButton.focus();
    await portal.keyboard.press("Enter");
    await removeButton.waitFor({ state: "detached" });

    // Answers saved after attaching keep the file's reference beside typed ones.
    await portal.getByRole("radiogroup", { name: "Answer to q03" }).getByLabel("Yes").check();
    await portal.getByLabel("Evidence for q01").fill("Bridge letter follows in March");
    await portal.getByRole("button", { name: "Save draft" }).click();
    await expect.poll(() => portal.getByTestId("save-state").textContent()).toMatch(/^Draft saved at/);
    await portal.getByTestId("question-q01").scrollIntoViewIfNeeded();
    await portal.screenshot({ path: path.join(RESULTS_DIR, "portal-upload.png") });

    await portal.getByRole("button", { name: "Submit", exact: true }).click();
    await portal
      .getByRole("dialog", { name: "Submit the questionnaire?" })
      .getByRole("button", { name: "Submit answers" })
      .click();
    await expect.poll(() => portal.getByTestId("portal-state").textContent()).toMatch(/^submitted/);
    // After submitting the file is listed, but can no longer be removed or added to.
    await q01Files.getByText("northwind-soc2.pdf").waitFor();
    await expect(portal.getByRole("button", { name: "Remove northwind-soc2.pdf" }).count()).resolves.toBe(0);
    await expect(portal.getByLabel("Attach file to q01").count()).resolves.toBe(0);

    // The reviewer sees the document on the answer, with a download link that serves the same bytes.
    await page.goto(`${assay.url}/assessments/${id}`);
    const answer = page.getByTestId("answer-q01");
    const link = answer.getByRole("link", { name: "northwind-soc2.pdf" });
    await link.waitFor();
    await expect(answer.textContent()).resolves.toContain("from the vendor portal");
    await expect(answer.textContent()).resolves.toContain("Bridge letter follows in March");
    const href = (await link.getAttribute("href")) ?? "";
    const downloaded = await page.evaluate(async (url) => {
      const res = await fetch(url);
      return { status: res.status, size: (await res.arrayBuffer()).byteLength };
    }, href);
    expect(downloaded).toEqual({ status: 200, size: report.length });

    // The vendor's evidence tab shows it read by the SOC 2 reader, like any upload.
    await answer.getByRole("link", { name: "on the evidence tab" }).click();
    await page.waitForURL(`**/vendors/${vendorId}`);
    const card = page.getByRole("article", { name: "northwind-soc2.pdf" });
    await card.waitFor();
    await expect(card.textContent()).resolves.toContain("answers q01");
    await expect(card.locator("[data-analysis]").getAttribute("data-analysis")).resolves.toBe("done");
  });
});
