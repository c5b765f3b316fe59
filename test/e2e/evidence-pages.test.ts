import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSoc2ReportPdf } from "../../src/evidence/fixtures/soc2-report-fixture.ts";
import { launchChromium, RESULTS_DIR, type ServedAssay, serveAssay, setUpAdminInBrowser } from "./browser.ts";

let assay: ServedAssay;
let browser: Browser;
let page: Page;

const ADMIN = {
  email: "reviewer@example.com",
  password: "a long reviewer password for tests",
  name: "Risk Reviewer",
};

beforeAll(async () => {
  assay = await serveAssay();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await setUpAdminInBrowser(page, assay, ADMIN);
});
afterAll(async () => {
  await browser?.close();
  await assay?.stop();
});

/** Calls the API from the signed-in page, with its session and CSRF token. */
function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  return page.evaluate(
    async ({ method, url, body }) => {
      const res = await fetch(url, {
        method,
        headers: {
          "content-type": "application/json",
          "x-csrf-token": sessionStorage.getItem("assay.csrf") ?? "",
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    { method, url, body },
  ) as Promise<T>;
}

/** Fetches a URL from the page as the signed-in person would open it. */
function fetchFromPage(url: string) {
  return page.evaluate(async (u) => {
    const res = await fetch(u);
    return {
      status: res.status,
      type: res.headers.get("content-type"),
      disposition: res.headers.get("content-disposition"),
      size: (await res.arrayBuffer()).byteLength,
    };
  }, url);
}

type Quoted = { value: unknown; page: number; quote: string };

describe("evidence quotes open their page", () => {
  it("links a fact's page to the PDF at that page, opens it in a new tab, and links finding quotes too", async () => {
    const vendor = await call<{ id: string }>("POST", "/api/vendors", {
      name: "Example Evidence Co",
      category: "foundation_model_provider",
    });
    // A tier-2 integration, so the questionnaire asks about SOC 2 and its answer can be contradicted.
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

    // With management's assertion first, the auditor's report and its opinion are on page 3.
    const report = Buffer.from(
      await buildSoc2ReportPdf({ assertionFirst: true, periodStart: "2024-01-01", periodEnd: "2024-12-31" }),
    );
    await page.goto(`${assay.url}/vendors/${vendor.id}`);
    const form = page.getByRole("form", { name: "Upload evidence" });
    await form.getByLabel("File").setInputFiles({
      name: "example-soc2-2024.pdf",
      mimeType: "application/pdf",
      buffer: report,
    });
    await form.getByRole("button", { name: "Upload" }).click();
    const card = page.getByRole("article", { name: "example-soc2-2024.pdf" });
    await card.waitFor();
    const id = (await card.getAttribute("data-document-id")) ?? "";
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    // "View" sits beside "Download" for a PDF.
    const viewAction = card.getByRole("link", { name: "View example-soc2-2024.pdf" });
    await expect(viewAction.getAttribute("href")).resolves.toBe(`/api/documents/${id}/view`);
    await expect(viewAction.getAttribute("target")).resolves.toBe("_blank");
    await expect(card.getByRole("link", { name: "Download" }).count()).resolves.toBe(1);

    const stored = await call<{ analysis: { report: Record<string, Quoted> } }>(
      "GET",
      `/api/documents/${id}`,
    );
    expect(stored.analysis.report.opinion?.page).toBe(3);

    await card.getByRole("button", { name: "Facts and findings" }).click();
    const facts = card.locator('dl[aria-label="Extracted facts"]');
    const opinion = facts.locator("div", { has: page.locator("dt", { hasText: /^Opinion$/ }) });
    await opinion.waitFor();
    const link = opinion.getByRole("link", { name: "page 3" });
    await expect(link.getAttribute("href")).resolves.toBe(`/api/documents/${id}/view#page=3`);
    await expect(link.getAttribute("target")).resolves.toBe("_blank");
    await expect(link.getAttribute("rel")).resolves.toBe("noopener");

    await opinion.scrollIntoViewIfNeeded();
    await card.screenshot({ path: path.join(RESULTS_DIR, "evidence-page-links.png") });

    // Every fact's page is a link to the page the reader recorded for it.
    const links = await card
      .locator("[data-page-link]")
      .evaluateAll((els) =>
        els.map((e) => ({ page: e.getAttribute("data-page-link"), href: e.getAttribute("href") })),
      );
    expect(links.length).toBeGreaterThan(3);
    for (const l of links) expect(l.href).toBe(`/api/documents/${id}/view#page=${l.page}`);

    // The link serves the PDF itself, inline, to the signed-in page.
    await expect(fetchFromPage(`/api/documents/${id}/view#page=3`)).resolves.toMatchObject({
      status: 200,
      type: "application/pdf",
      size: report.length,
    });
    expect((await fetchFromPage(`/api/documents/${id}/view`)).disposition).toMatch(/^inline;/);

    // Clicking it opens a new tab at that page, in the browser's own PDF viewer.
    const [tab] = await Promise.all([page.waitForEvent("popup"), link.click()]);
    await tab.waitForLoadState();
    expect(tab.url()).toBe(`${assay.url}/api/documents/${id}/view#page=3`);
    await expect
      .poll(() => tab.frames().some((f) => f.url().startsWith("chrome-extension://")), { timeout: 15_000 })
      .toBe(true);
    await tab.waitForTimeout(1000);
    await tab.screenshot({ path: path.join(RESULTS_DIR, "evidence-page-link.png") });
    await tab.close();

    // A submitted questionnaire that claims a current report: the contradiction quotes the
    // document, and its page links to the same document at the page the quote came from.
    const assessment = await call<{ id: string }>("POST", "/api/assessments", { vendorId: vendor.id });
    const sent = await call<{ portalUrl: string }>("POST", `/api/assessments/${assessment.id}/send`, {});
    const token = sent.portalUrl.split("/portal/")[1] ?? "";
    await call("PUT", `/api/portal/${token}/answers`, { answers: { q01: { value: "type2_current" } } });
    await call("POST", `/api/portal/${token}/submit`);
    const analysis = await call<{
      findings: {
        kind: string;
        title: string;
        evidence: { kind: string; documentSha256?: string; location?: string }[];
      }[];
    }>("GET", `/api/assessments/${assessment.id}/analysis`);
    const cited = analysis.findings.find(
      (f) =>
        f.kind === "contradiction" &&
        f.evidence.some((e) => e.kind === "document" && /^page \d+$/.test(e.location ?? "")),
    );
    expect(cited).toBeDefined();
    const quotedPage = Number(
      /\d+/.exec(cited?.evidence.find((e) => e.kind === "document")?.location ?? "")?.[0],
    );

    await page.goto(`${assay.url}/assessments/${assessment.id}`);
    const finding = page.locator('article[data-kind="contradiction"]', { hasText: cited?.title ?? "" });
    await finding.waitFor();
    const quoteLink = finding.getByRole("link", { name: `page ${quotedPage}` });
    await quoteLink.waitFor();
    await expect(quoteLink.getAttribute("href")).resolves.toBe(
      `/api/documents/${id}/view#page=${quotedPage}`,
    );
    // The document's name still downloads it.
    await expect(
      finding.getByRole("link", { name: "example-soc2-2024.pdf" }).getAttribute("href"),
    ).resolves.toBe(`/api/documents/${id}/content`);
  });

  it("keeps page numbers of documents the browser cannot show as plain text, without a View action", async () => {
    const vendor = await call<{ id: string }>("POST", "/api/vendors", {
      name: "Plain Text Legal Co",
      category: "other",
    });
    const dpa = [
      "Data Processing Addendum",
      "",
      "1. Personal Data Breach Notification",
      "Processor shall notify Customer of any Personal Data Breach without undue delay and in any event within 72 hours after becoming aware of it.",
      "",
      "2. Return and Deletion",
      "Upon termination of the Agreement, Processor shall delete all Customer Personal Data within thirty (30) days.",
    ].join("\n");
    const stored = await page.evaluate(
      async ({ vendorId, text }) => {
        const res = await fetch(`/api/vendors/${vendorId}/documents?type=dpa&fileName=dpa.txt`, {
          method: "POST",
          headers: {
            "content-type": "application/octet-stream",
            "x-csrf-token": sessionStorage.getItem("assay.csrf") ?? "",
          },
          body: new TextEncoder().encode(text),
        });
        return { status: res.status, body: (await res.json()) as { id: string; mediaType: string } };
      },
      { vendorId: vendor.id, text: dpa },
    );
    expect(stored.status).toBe(201);
    expect(stored.body.mediaType).toBe("text/plain");

    await page.goto(`${assay.url}/vendors/${vendor.id}`);
    const card = page.getByRole("article", { name: "dpa.txt" });
    await card.waitFor();
    await card.getByRole("button", { name: "Facts and findings" }).click();
    await card.locator('dl[aria-label="Extracted facts"]').waitFor();
    await expect(card.getByText(/\(page 1\)/).count()).resolves.toBeGreaterThan(0);
    await expect(card.locator("[data-page-link]").count()).resolves.toBe(0);
    await expect(card.getByRole("link", { name: /^View/ }).count()).resolves.toBe(0);
    await expect(card.getByRole("link", { name: "Download" }).count()).resolves.toBe(1);
    // The server agrees: a text document is not shown inline.
    const viewed = await fetchFromPage(`/api/documents/${stored.body.id}/view`);
    expect(viewed.status).toBe(415);
  });
});
