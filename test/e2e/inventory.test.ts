import path from "node:path";
import ExcelJS from "exceljs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, RESULTS_DIR, type ServedAssay, serveAssay, setUpAdminInBrowser } from "./browser.ts";

let assay: ServedAssay;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  assay = await serveAssay();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
});
afterAll(async () => {
  await browser?.close();
  await assay?.stop();
});

const ADMIN = {
  email: "compliance@example.com",
  password: "a long compliance lead password",
  name: "Compliance Lead",
};

async function addFromCatalogue(name: string) {
  await page.goto(`${assay.url}/vendors/catalog`);
  await page.getByRole("button", { name: `Add ${name}`, exact: true }).click();
  await page.waitForURL(/\/vendors\/[0-9a-f-]{36}$/);
  await page.getByRole("heading", { level: 1 }).filter({ hasText: name }).waitFor();
}

/** Runs in the browser: whether an <img> has finished loading a picture with a width. */
const imageLoaded = (img: unknown) => {
  const image = img as { complete: boolean; naturalWidth: number };
  return image.complete && image.naturalWidth > 0;
};

const vendorRows = () => page.getByRole("table", { name: "Vendors" }).getByTestId("vendor-row");

/** Waits until the vendor table shows exactly these names (in any order), then returns them. */
async function waitForRows(names: string[]) {
  const wanted = [...names].sort().join("|");
  await expect
    .poll(async () => (await vendorRows().locator("td:first-child").allTextContents()).sort().join("|"), {
      timeout: 10_000,
    })
    .toBe(wanted);
}

describe("inventory in the browser", () => {
  it("adds OpenAI from the catalogue, records a healthcare integration sending PHI and shows tier 3 with why", async () => {
    await setUpAdminInBrowser(page, assay, ADMIN);
    // An empty workspace says how to begin.
    await page.getByRole("link", { name: "Add a vendor from the catalogue" }).click();
    await page.getByRole("heading", { name: "Add from catalogue" }).waitFor();
    // Catalogue facts carry their as-of dates and uncertainty.
    const openaiCard = page.getByRole("article", { name: "OpenAI", exact: true });
    await expect(openaiCard.textContent()).resolves.toMatch(/as of \d{4}-\d{2}-\d{2}/);
    await page.screenshot({ path: path.join(RESULTS_DIR, "catalog.png") });
    await page.getByRole("button", { name: "Add OpenAI", exact: true }).click();
    await page.waitForURL(/\/vendors\/[0-9a-f-]{36}$/);
    await page.getByRole("heading", { level: 1 }).filter({ hasText: "OpenAI" }).waitFor();

    // No integration yet: unknown counts upward, so tier 2.
    await expect.poll(() => page.getByTestId("tier-value").textContent()).toBe("2");

    await page.getByRole("button", { name: "Add integration" }).click();
    const form = page.getByRole("form", { name: "New integration" });
    await form.getByLabel("Integration name").fill("Clinical notes summary");
    await form.getByLabel("Product feature").fill("Visit summaries for clinicians");
    await form.getByLabel("Domain").selectOption("healthcare");
    await form.getByLabel("PHI (health)").check();
    await form.getByLabel("Customer-facing").selectOption("no");
    await form.getByLabel("Decision-critical").selectOption("no");
    await form.getByLabel("Processing regions").fill("US");
    await form.getByRole("button", { name: "Add model" }).click();
    await form.getByLabel("Model 1 name").fill("gpt-4o");
    await form.getByLabel("Model 1 version").fill("2024-08-06");
    await form.getByRole("button", { name: "Save integration" }).click();
    await form.waitFor({ state: "detached" });

    const row = page.getByTestId("integration-row").filter({ hasText: "Clinical notes summary" });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain("gpt-4o 2024-08-06");
    await expect.poll(() => page.getByTestId("tier-value").textContent()).toBe("3");
    const reasons = await page
      .getByRole("list", { name: "Tier reasons" })
      .getByRole("listitem")
      .allTextContents();
    expect(reasons).toContain("Clinical notes summary · data class = phi → tier 3");
    expect(reasons).toContain("Clinical notes summary · domain = healthcare → tier 3");
    // The tier fixes the questionnaire and the cadence.
    const tierCard = await page.getByTestId("tier-card").textContent();
    expect(tierCard).toContain("40");
    expect(tierCard).toContain("every 3 months");

    // The EU AI Act panel lists the integration with its class.
    await page.getByRole("article", { name: "AI Act: Clinical notes summary" }).waitFor();

    // The data-flow diagram is drawn by the server and loads as an image.
    const diagram = page.getByRole("img", { name: "Data-flow diagram of OpenAI" });
    await diagram.waitFor();
    await expect
      .poll(() => diagram.evaluate(imageLoaded), {
        timeout: 20_000,
      })
      .toBe(true);
    // What the catalogue says about OpenAI sits beside the record, dated and sourced.
    const published = await page.getByRole("region", { name: "What OpenAI publishes" }).textContent();
    expect(published).toContain("Trains on API data");
    expect(published).toMatch(/as of \d{4}-\d{2}-\d{2}/);
    await page.screenshot({ path: path.join(RESULTS_DIR, "vendor.png"), fullPage: true });

    // The one-page summary says the same: tier 3, PHI sent.
    await page.getByRole("link", { name: "Summary" }).click();
    const summary = page.getByRole("article", { name: "Summary of OpenAI" });
    await summary.waitFor();
    const summaryText = await summary.textContent();
    expect(summaryText).toContain("Tier 3");
    expect(summaryText).toContain("PHI");
    expect(summaryText).toContain("Clinical notes summary");
    await page.screenshot({ path: path.join(RESULTS_DIR, "vendor-summary.png"), fullPage: true });
    const pdf = await page.evaluate(
      async (href) => {
        const res = await fetch(href ?? "");
        return {
          status: res.status,
          type: res.headers.get("content-type"),
          head: (await res.text()).slice(0, 5),
        };
      },
      await page.getByRole("link", { name: "Download PDF" }).getAttribute("href"),
    );
    expect(pdf).toEqual({ status: 200, type: "application/pdf", head: "%PDF-" });
  });

  it("narrows the vendor list by search and by tier, and keeps the filters in the URL", async () => {
    await addFromCatalogue("Anthropic");
    await page.goto(`${assay.url}/vendors/new`);
    await page.getByLabel("Vendor name").fill("Acme Vectors");
    await page.getByLabel("Category").selectOption("vector_database");
    await page.getByLabel("Owner").fill("Platform team");
    await page.getByRole("button", { name: "Create vendor" }).click();
    await page.getByRole("heading", { level: 1 }).filter({ hasText: "Acme Vectors" }).waitFor();

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Vendors" }).click();
    await waitForRows(["Acme Vectors", "Anthropic", "OpenAI"]);
    await expect(page.getByRole("status").filter({ hasText: "of 3 vendors" }).count()).resolves.toBe(1);

    await page.getByLabel("Search vendors").fill("anthro");
    await waitForRows(["Anthropic"]);
    expect(new URL(page.url()).searchParams.get("q")).toBe("anthro");

    await page.getByLabel("Search vendors").fill("");
    await waitForRows(["Acme Vectors", "Anthropic", "OpenAI"]);

    const tierFilter = page.getByRole("group", { name: "Tier filter" });
    await tierFilter.getByRole("button", { name: "Tier 3" }).click();
    await waitForRows(["OpenAI"]);
    expect(new URL(page.url()).searchParams.get("tier")).toBe("3");
    await expect(
      tierFilter.getByRole("button", { name: "Tier 3" }).getAttribute("aria-pressed"),
    ).resolves.toBe("true");

    // A filter is a step in the history: Back undoes it.
    await page.goBack();
    await waitForRows(["Acme Vectors", "Anthropic", "OpenAI"]);
    await page.goForward();
    await waitForRows(["OpenAI"]);

    // A shared link opens the same view.
    await page.goto(`${assay.url}/vendors?tier=2&q=a`);
    await waitForRows(["Acme Vectors", "Anthropic"]);

    // Sorting by tier, descending, puts the tier-3 vendor first.
    await page.goto(`${assay.url}/vendors`);
    await waitForRows(["Acme Vectors", "Anthropic", "OpenAI"]);
    await page.getByRole("button", { name: /^Tier/ }).first().waitFor();
    await page.getByRole("columnheader", { name: /Tier/ }).getByRole("button").click();
    await page.getByRole("columnheader", { name: /Tier/ }).getByRole("button").click();
    await expect
      .poll(async () => vendorRows().first().locator("td:first-child").textContent())
      .toBe("OpenAI");
    await page.screenshot({ path: path.join(RESULTS_DIR, "vendors.png"), fullPage: true });

    // Server-side paging: two per page, Next follows the cursor, Previous comes back.
    await page.goto(`${assay.url}/vendors?size=2`);
    await waitForRows(["Acme Vectors", "Anthropic"]);
    await page.getByRole("button", { name: "Next page" }).click();
    await waitForRows(["OpenAI"]);
    await page.getByRole("status").filter({ hasText: "3–3 of 3 vendors" }).waitFor();
    await expect(page.getByRole("button", { name: "Next page" }).isDisabled()).resolves.toBe(true);
    await page.getByRole("button", { name: "Previous page" }).click();
    await waitForRows(["Acme Vectors", "Anthropic"]);
  });

  it("moves a vendor into review, overrides its tier with a justification, and counts it on the dashboard", async () => {
    await page.goto(`${assay.url}/vendors?q=Anthropic`);
    await waitForRows(["Anthropic"]);
    await page.getByRole("link", { name: "Anthropic" }).click();
    await page.getByRole("heading", { level: 1 }).filter({ hasText: "Anthropic" }).waitFor();

    const actions = page.getByRole("group", { name: "Status actions" });
    await actions.getByRole("button", { name: "Start review" }).click();
    await actions.getByRole("button", { name: "Approve with conditions" }).waitFor();
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toContain("In review");

    await page.getByRole("button", { name: "Override tier" }).click();
    const dialog = page.getByRole("dialog", { name: "Override the tier" });
    await dialog.getByLabel("Tier", { exact: true }).selectOption("3");
    await dialog.getByLabel("Justification").fill("too short");
    // Under 20 characters the button stays disabled.
    await expect(dialog.getByRole("button", { name: "Save override" }).isDisabled()).resolves.toBe(true);
    await dialog
      .getByLabel("Justification")
      .fill("Board decision: every model provider is reviewed quarterly.");
    await dialog.getByRole("button", { name: "Save override" }).click();
    await dialog.waitFor({ state: "hidden" });
    await expect.poll(() => page.getByTestId("tier-value").textContent()).toBe("3");
    const tierCard = await page.getByTestId("tier-card").textContent();
    expect(tierCard).toContain("computed: tier 2");
    expect(tierCard).toContain("Board decision");

    // Edit the vendor: an owner and a fourth party from its subprocessor list.
    await page.getByRole("button", { name: "Edit vendor" }).click();
    const editDialog = page.getByRole("dialog", { name: "Edit Anthropic" });
    // The dialog starts on its first field.
    await expect(
      editDialog.getByLabel("Vendor name").evaluate((el) => el === el.ownerDocument.activeElement),
    ).resolves.toBe(true);
    await editDialog.getByLabel("Owner").fill("Amara Osei");
    await editDialog.getByRole("button", { name: "Add subprocessor" }).click();
    await editDialog.getByLabel("Subprocessor 1 name").fill("Google Cloud");
    await editDialog.getByLabel("Subprocessor 1 purpose").fill("Hosting");
    await editDialog.getByLabel("Subprocessor 1 country").fill("us");
    await editDialog.getByRole("button", { name: "Save vendor" }).click();
    await editDialog.waitFor({ state: "hidden" });
    await page.getByText("Google Cloud — Hosting (US)").waitFor();
    await expect(page.getByRole("heading", { level: 1 }).locator("..").textContent()).resolves.toContain(
      "owner Amara Osei",
    );

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard" }).click();
    await page.getByRole("link", { name: "Tier 3: 2 vendors" }).waitFor();
    await page.getByRole("link", { name: "Tier 2: 1 vendor" }).waitFor();
    const unreviewed = page.getByRole("region", { name: /Unreviewed vendors/ });
    await expect(unreviewed.getByRole("link").allTextContents()).resolves.toEqual(
      expect.arrayContaining(["Acme Vectors", "OpenAI"]),
    );
    await page.screenshot({ path: path.join(RESULTS_DIR, "inventory-dashboard.png"), fullPage: true });
  });

  it("edits an integration down to internal data, and deletes it", async () => {
    await page.goto(`${assay.url}/vendors?q=OpenAI`);
    await waitForRows(["OpenAI"]);
    await page.getByRole("link", { name: "OpenAI" }).click();
    await page.getByRole("heading", { level: 1 }).filter({ hasText: "OpenAI" }).waitFor();
    await expect.poll(() => page.getByTestId("tier-value").textContent()).toBe("3");

    await page.getByRole("button", { name: "Edit Clinical notes summary" }).click();
    const form = page.getByRole("form", { name: "Edit integration Clinical notes summary" });
    // The form opens with what was saved.
    await expect(form.getByLabel("PHI (health)").isChecked()).resolves.toBe(true);
    await expect(form.getByLabel("Model 1 name").inputValue()).resolves.toBe("gpt-4o");
    await form.getByLabel("PHI (health)").uncheck();
    await form.getByLabel("Internal").check();
    await form.getByLabel("Domain").selectOption("general");
    await form.getByLabel("Vendor trains on the data").selectOption("no");
    await form.getByRole("button", { name: "Save integration" }).click();
    await form.waitFor({ state: "detached" });
    await expect.poll(() => page.getByTestId("tier-value").textContent()).toBe("1");
    const reasons = page.getByRole("list", { name: "Tier reasons" }).getByRole("listitem");
    await expect(reasons.count()).resolves.toBe(0);

    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Delete Clinical notes summary" }).click();
    await page.getByText("No integration recorded.").waitFor();
    await expect.poll(() => page.getByTestId("tier-value").textContent()).toBe("2");
  });

  it("imports a spreadsheet: preview with mapping and rejected rows, nothing stored until confirmed", async () => {
    const csv = [
      "Vendor,Website,Category,Owner,Use case,Feature,Data sent,Regions,Retention (days),Trains on data,Customer facing,Decision critical,Domain,Models",
      'Cohere,cohere.com,LLM provider,Priya Raman,Search rerank,Help-centre search,"PII, Customer data",US,30,No,yes,no,General,rerank-v3',
      "Pinecone,pinecone.io,vector db,Priya Raman,Knowledge index,Support retrieval,Customer data,US,unknown,No,no,no,General,",
      "Mistral,mistral.ai,foundation model,Amara Osei,Gossip bot,Chat,gossip,EU,0,No,no,no,General,",
    ].join("\r\n");
    await page.goto(`${assay.url}/vendors`);
    await page.getByRole("link", { name: "Import spreadsheet" }).click();
    await page.getByRole("heading", { name: "Import spreadsheet" }).waitFor();
    await page
      .getByLabel("Spreadsheet (CSV or XLSX, up to 5 MB)")
      .setInputFiles({ name: "register.csv", mimeType: "text/csv", buffer: Buffer.from(csv, "utf8") });

    const rejectedTitle = page.getByRole("heading", { name: /^Rejected rows: / });
    await expect.poll(() => rejectedTitle.textContent()).toBe("Rejected rows: 1");
    const rejectedRow = page.getByRole("table", { name: "Rejected rows" }).getByRole("row").nth(1);
    const rejectedText = await rejectedRow.textContent();
    expect(rejectedText).toMatch(/^4/);
    expect(rejectedText).toContain("gossip");
    await expect(page.getByLabel("Vendor name (required)").inputValue()).resolves.toBe("Vendor");
    await expect(page.getByLabel("Data classes").inputValue()).resolves.toBe("Data sent");
    const importButton = page.getByRole("button", { name: "Import 2 vendors" });
    await expect(importButton.isDisabled()).resolves.toBe(true);

    // The mapping is editable: without the data column, no row is rejected (data counts as unknown).
    await page.getByLabel("Data classes").selectOption("");
    await expect.poll(() => rejectedTitle.textContent()).toBe("Rejected rows: 0");
    await page.getByRole("button", { name: "Import 3 vendors" }).waitFor();
    await page.getByLabel("Data classes").selectOption("Data sent");
    await expect.poll(() => rejectedTitle.textContent()).toBe("Rejected rows: 1");

    // Nothing was stored by the previews.
    const before = await page.evaluate(
      async () => ((await (await fetch("/api/vendors")).json()) as { total: number }).total,
    );
    expect(before).toBe(3);

    await page.getByLabel("Skip the 1 rejected row and import the rest").check();
    await importButton.click();
    await page.getByRole("status").filter({ hasText: "Imported 2 vendors with 2 integrations" }).waitFor();
    await page.screenshot({ path: path.join(RESULTS_DIR, "vendor-import.png"), fullPage: true });

    await page.getByRole("link", { name: "See the vendor list" }).click();
    await waitForRows(["Acme Vectors", "Anthropic", "Cohere", "OpenAI", "Pinecone"]);
  });

  it("imports an XLSX workbook (binary upload) with every row accepted", async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("AI vendors");
    sheet.addRow([
      "Supplier",
      "Type",
      "AI use case",
      "Data shared",
      "Industry",
      "Customer facing",
      "Decision critical",
    ]);
    sheet.addRow([
      "LangSmith",
      "observability",
      "Assistant traces",
      "Customer data; PII",
      "General",
      "no",
      "no",
    ]);
    sheet.addRow(["LangSmith", "observability", "Evaluation runs", "Internal", "General", "no", "no"]);
    const bytes = Buffer.from(await workbook.xlsx.writeBuffer());

    await page.goto(`${assay.url}/vendors/import`);
    await page.getByLabel("Spreadsheet (CSV or XLSX, up to 5 MB)").setInputFiles({
      name: "register.xlsx",
      mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      buffer: bytes,
    });
    await page.getByRole("heading", { name: "Rejected rows: 0" }).waitFor();
    await expect(page.getByText(/XLSX, sheet “AI vendors” · 2 rows/).count()).resolves.toBe(1);
    const planned = page.getByRole("table", { name: "Vendors to be created" }).getByRole("row").nth(1);
    await expect(planned.textContent()).resolves.toMatch(/^2, 3LangSmith/);
    await page.getByRole("button", { name: "Import 1 vendor" }).click();
    await page.getByRole("status").filter({ hasText: "Imported 1 vendor with 2 integrations" }).waitFor();
  });

  it("shows a viewer the inventory without any button that changes it", async () => {
    const created = await page.evaluate(async () => {
      const res = await fetch("/api/users", {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-CSRF-Token": sessionStorage.getItem("assay.csrf") ?? "",
        },
        body: JSON.stringify({
          email: "viewer@example.com",
          role: "viewer",
          password: "viewer password 123",
        }),
      });
      return res.status;
    });
    expect(created).toBe(201);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/login");
    await page.getByLabel("E-mail").fill("viewer@example.com");
    await page.getByLabel("Password").fill("viewer password 123");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();

    await page.goto(`${assay.url}/vendors?q=Anthropic`);
    await waitForRows(["Anthropic"]);
    await expect(page.getByRole("link", { name: "Add from catalogue" }).count()).resolves.toBe(0);
    await expect(page.getByRole("link", { name: "Import spreadsheet" }).count()).resolves.toBe(0);
    await page.getByRole("link", { name: "Anthropic" }).click();
    await page.getByTestId("tier-card").waitFor();
    for (const name of ["Add integration", "Override tier", "Edit vendor", "Approve"]) {
      await expect(page.getByRole("button", { name, exact: true }).count()).resolves.toBe(0);
    }
    // The override written earlier is still readable.
    await expect(page.getByTestId("tier-card").textContent()).resolves.toContain("Board decision");
  });
});

describe("demo workspace in the browser", () => {
  let demo: ServedAssay;
  let demoPage: Page;
  beforeAll(async () => {
    demo = await serveAssay();
    demoPage = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  });
  afterAll(async () => {
    await demoPage?.close();
    await demo?.stop();
  });

  it("fills an empty workspace from the dashboard button", async () => {
    await setUpAdminInBrowser(demoPage, demo, ADMIN);
    await demoPage.getByRole("button", { name: "Fill a demo workspace" }).click();
    const vendorsTile = demoPage.getByRole("link", { name: /^Vendors \d+/ });
    await vendorsTile.waitFor();
    const count = Number((await vendorsTile.textContent())?.match(/\d+/)?.[0]);
    expect(count).toBeGreaterThanOrEqual(10);
    for (const tier of [1, 2, 3]) {
      const tile = demoPage.getByRole("link", { name: new RegExp(`^Tier ${tier}: [1-9]\\d* vendors?$`) });
      await tile.waitFor();
    }
    const diagram = demoPage.getByRole("img", {
      name: "Data-flow diagram of every AI vendor and integration",
    });
    await expect
      .poll(() => diagram.evaluate(imageLoaded), {
        timeout: 30_000,
      })
      .toBe(true);
    await demoPage.screenshot({ path: path.join(RESULTS_DIR, "dashboard-demo.png"), fullPage: true });
  });
});
