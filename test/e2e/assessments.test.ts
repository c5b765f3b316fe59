import path from "node:path";
import ExcelJS from "exceljs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, RESULTS_DIR, type ServedAssay, serveAssay, setUpAdminInBrowser } from "./browser.ts";

let assay: ServedAssay;
let browser: Browser;
let page: Page;
let vendorContext: BrowserContext | undefined;

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

const ADMIN = {
  email: "reviewer@example.com",
  password: "a long reviewer password for tests",
  name: "Risk Reviewer",
};

/** OpenAI from the catalogue with a healthcare integration sending PHI: tier 3, all questions. */
async function addTierThreeVendor(): Promise<string> {
  await page.goto(`${assay.url}/vendors/catalog`);
  await page.getByRole("button", { name: "Add OpenAI", exact: true }).click();
  await page.waitForURL(/\/vendors\/[0-9a-f-]{36}$/);
  await page.getByRole("heading", { level: 1 }).filter({ hasText: "OpenAI" }).waitFor();
  await page.getByRole("button", { name: "Add integration" }).click();
  const form = page.getByRole("form", { name: "New integration" });
  await form.getByLabel("Integration name").fill("Clinical notes summary");
  await form.getByLabel("Product feature").fill("Visit summaries for clinicians");
  await form.getByLabel("Domain").selectOption("healthcare");
  await form.getByLabel("PHI (health)").check();
  await form.getByLabel("Customer-facing").selectOption("no");
  await form.getByLabel("Decision-critical").selectOption("no");
  await form.getByLabel("Processing regions").fill("US");
  await form.getByRole("button", { name: "Save integration" }).click();
  await form.waitFor({ state: "detached" });
  await expect.poll(() => page.getByTestId("tier-value").textContent()).toBe("3");
  const id = /\/vendors\/([0-9a-f-]{36})$/.exec(page.url())?.[1];
  if (!id) throw new Error(`no vendor id in ${page.url()}`);
  return id;
}

describe("assessments in the browser", () => {
  it("sends a questionnaire, takes vague answers through the portal, flags them and records a conditional approval", async () => {
    await setUpAdminInBrowser(page, assay, ADMIN);
    const vendorId = await addTierThreeVendor();

    // Start from the vendor page: a draft with the tier's question set.
    await page.getByRole("button", { name: "Start assessment" }).click();
    await page.waitForURL(/\/assessments\/[0-9a-f-]{36}$/);
    const assessmentUrl = page.url();
    await expect.poll(() => page.getByTestId("assessment-state").textContent()).toBe("Draft");
    await expect(page.getByText(/41 questions/).count()).resolves.toBe(1);

    // Sending shows the link once, with the due date.
    await page.getByRole("button", { name: "Send to vendor" }).click();
    const linkDialog = page.getByRole("dialog", { name: "Portal link for the vendor" });
    await linkDialog.waitFor();
    const portalUrl = await linkDialog.getByLabel("Portal link").inputValue();
    expect(portalUrl).toMatch(/\/portal\/assay_portal_[A-Za-z0-9_-]+$/);
    const due = await linkDialog.getByTestId("link-due").textContent();
    expect(due).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await linkDialog.getByRole("button", { name: "Close" }).click();
    await expect.poll(() => page.getByTestId("assessment-state").textContent()).toBe("Sent");

    // The respondent has no account: a fresh browser context with no session.
    vendorContext = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const portal = await vendorContext.newPage();
    const tokenPath = new URL(portalUrl).pathname;
    await portal.goto(`${assay.url}${tokenPath}`);
    await portal.getByRole("heading", { name: "Questionnaire for OpenAI" }).waitFor();
    expect(portal.url()).toContain("/portal/");
    await expect(portal.getByTestId("portal-due").textContent()).resolves.toBe(due);
    // Grouped by section, with inputs by answer type.
    await portal.getByRole("heading", { name: "B. AI model governance" }).waitFor();
    await portal.getByLabel("Answer to q08").fill("See our website");
    await portal.getByLabel("Answer to q09").selectOption("mixed");
    await portal.getByLabel("Comment on q09").fill("See our website");
    await portal.getByLabel("Answer to q10").fill("See our website");
    await portal.getByLabel("Answer to q24").fill("We have no third-party dependencies");
    await portal.getByRole("radiogroup", { name: "Answer to q03" }).getByLabel("Yes").check();
    await portal.getByLabel("Answer to q05").fill("72");
    await portal.getByLabel("Evidence for q03").fill("Security policy 2026, ISMS manual");
    await expect(portal.getByTestId("save-state").textContent()).resolves.toMatch(
      /Unsaved changes to 6 questions/,
    );
    await portal.getByRole("button", { name: "Save draft" }).click();
    await expect.poll(() => portal.getByTestId("save-state").textContent()).toMatch(/^Draft saved at/);

    await portal.getByTestId("question-q08").scrollIntoViewIfNeeded();
    await portal.screenshot({ path: path.join(RESULTS_DIR, "portal.png") });

    // The draft is on the server: a reload shows it.
    await portal.reload();
    await expect
      .poll(() => portal.getByLabel("Answer to q24").inputValue())
      .toBe("We have no third-party dependencies");
    await expect(portal.getByLabel("Evidence for q03").inputValue()).resolves.toBe(
      "Security policy 2026, ISMS manual",
    );

    // Submitting asks first, then the questionnaire is read-only.
    await portal.getByRole("button", { name: "Submit", exact: true }).click();
    const confirm = portal.getByRole("dialog", { name: "Submit the questionnaire?" });
    await confirm.waitFor();
    await expect(confirm.textContent()).resolves.toMatch(/required questions are still unanswered/);
    await confirm.getByRole("button", { name: "Submit answers" }).click();
    await expect.poll(() => portal.getByTestId("portal-state").textContent()).toMatch(/^submitted/);
    await expect(portal.getByRole("button", { name: "Save draft" }).count()).resolves.toBe(0);
    await expect(portal.getByLabel("Answer to q08").count()).resolves.toBe(0);

    // A link that is not a link says so, without any questionnaire data.
    const stranger = await vendorContext.newPage();
    await stranger.goto(`${assay.url}/portal/assay_portal_not-a-real-token`);
    await stranger.getByRole("heading", { name: "This link is not valid" }).waitFor();
    await expect(stranger.getByText("OpenAI").count()).resolves.toBe(0);

    // Back as the reviewer: red flags cite the questions and quote the answers; scores per dimension.
    await page.goto(assessmentUrl);
    await expect.poll(() => page.getByTestId("assessment-state").textContent()).toBe("Under review");
    const thirdParty = page
      .getByTestId("red-flag")
      .filter({ hasText: "Vendor claims no third-party dependencies" });
    await thirdParty.waitFor();
    await expect(thirdParty.textContent()).resolves.toContain("We have no third-party dependencies");
    await expect(thirdParty.textContent()).resolves.toContain("q24");
    const explain = page.getByTestId("red-flag").filter({ hasText: "Vendor cannot explain how it uses AI" });
    await explain.waitFor();
    await expect(explain.textContent()).resolves.toContain("See our website");
    // Red flags come before the other findings, and the cited answers are highlighted.
    await expect(page.getByTestId("answer-q24").getAttribute("class")).resolves.toContain("bg-red-50");
    await page.getByRole("img", { name: /Score by dimension/ }).waitFor();
    const breakdown = await page.getByTestId("score-breakdown").textContent();
    for (const dimension of ["Infrastructure", "Model", "Data", "Governance"])
      expect(breakdown).toContain(dimension);
    const overall = Number(await page.getByTestId("overall-score").textContent());
    expect(overall).toBeGreaterThanOrEqual(1);
    expect(overall).toBeLessThanOrEqual(5);
    // The red flags push the model dimension above the starting score.
    expect(breakdown).toMatch(/Model \d\.\d/);
    await page.screenshot({ path: path.join(RESULTS_DIR, "review.png"), fullPage: true });

    // Decide: approved with conditions; the remediation items appear with the owner.
    const decision = page.getByRole("form", { name: "Decision" });
    await decision.getByLabel("Approved with conditions").check();
    await decision.getByLabel("Note").fill("Approved for the pilot once the model documentation arrives.");
    await decision.getByLabel("Remediation owner").fill("Dana Lee");
    await decision.getByRole("button", { name: "Record decision" }).click();
    const created = page.getByRole("table", { name: "Remediation items" });
    await created.waitFor();
    const rows = created.getByTestId("remediation-item");
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    await expect(rows.first().textContent()).resolves.toContain("Dana Lee");
    await expect.poll(() => page.getByTestId("assessment-state").textContent()).toBe("Decided");
    await expect(page.getByTestId("decision").textContent()).resolves.toBe("Approved with conditions");

    // Revoking the link: the respondent's page says the link was withdrawn and shows nothing else.
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Revoke link" }).click();
    await expect.poll(() => page.getByTestId("portal-link-state").textContent()).toBe("No live link.");
    await portal.reload();
    await portal.getByRole("heading", { name: "This link was withdrawn" }).waitFor();
    await expect(portal.getByText("We have no third-party dependencies").count()).resolves.toBe(0);

    // The vendor's record follows the decision.
    const status = await page.evaluate(async (id) => {
      const res = await fetch(`/api/vendors/${id}`);
      return ((await res.json()) as { status: string }).status;
    }, vendorId);
    expect(status).toBe("approved_with_conditions");
    await page.goto(`${assay.url}/vendors/${vendorId}`);
    await page.getByRole("heading", { level: 1 }).filter({ hasText: "Approved with conditions" }).waitFor();

    // The remediation board lists the items by status; moving one changes its column.
    await page.goto(`${assay.url}/assessments/remediation`);
    const open = page.getByRole("region", { name: "Open" });
    const first = open.getByTestId("board-item").first();
    await first.waitFor();
    const title = (await first.locator("p").first().textContent()) ?? "";
    const openBefore = await open.getByTestId("board-item").count();
    await first.getByLabel(`Status of ${title}`).selectOption("in_progress");
    const inProgress = page.getByRole("region", { name: "In progress" });
    await inProgress.getByRole("article", { name: title }).waitFor();
    await expect.poll(() => open.getByTestId("board-item").count()).toBe(openBefore - 1);

    // The list shows the assessment, decided, and filters by state.
    await page.goto(`${assay.url}/assessments?status=decided`);
    await expect.poll(() => page.getByTestId("assessment-row").count()).toBe(1);
    await page.getByRole("button", { name: "Draft", exact: true }).click();
    await page.getByText("No assessments in this state").waitFor();
  });

  it("starts an assessment from the list, exports it and imports a completed workbook, naming the bad cell", async () => {
    await page.goto(`${assay.url}/assessments`);
    await page.getByRole("button", { name: "New assessment" }).click();
    const dialog = page.getByRole("dialog", { name: "New assessment" });
    await dialog.getByLabel("Vendor").selectOption({ label: "OpenAI (tier 3)" });
    await dialog.getByRole("button", { name: "Start assessment" }).click();
    await page.waitForURL(/\/assessments\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByTestId("assessment-state").textContent()).toBe("Draft");

    const href = await page.getByRole("link", { name: "Export XLSX" }).getAttribute("href");
    const bytes = await page.evaluate(async (url) => {
      const res = await fetch(url ?? "");
      return Array.from(new Uint8Array(await res.arrayBuffer()));
    }, href);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(bytes).buffer);
    const sheet = workbook.getWorksheet("Questionnaire");
    if (!sheet) throw new Error("no Questionnaire sheet in the export");
    let q05Row = 0;
    let q08Row = 0;
    sheet.eachRow((row, n) => {
      if (row.getCell(1).value === "q05") q05Row = n;
      if (row.getCell(1).value === "q08") q08Row = n;
    });
    expect(q05Row).toBeGreaterThan(1);
    sheet.getCell(`F${q05Row}`).value = "seventy-two";
    sheet.getCell(`F${q08Row}`).value = "gpt-4o 2024-08-06 served from Azure OpenAI";
    const upload = async () => ({
      name: "answered.xlsx",
      mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      buffer: Buffer.from(await workbook.xlsx.writeBuffer()),
    });

    const input = page.getByLabel("Completed questionnaire workbook");
    await input.setInputFiles(await upload());
    const refusal = page.getByRole("alert").filter({ hasText: `Questionnaire!F${q05Row}` });
    await refusal.waitFor();
    // All or nothing: the good answer in the same workbook was not stored either.
    await expect(page.getByText(/41 questions .* 0 answered/).count()).resolves.toBe(1);

    sheet.getCell(`F${q05Row}`).value = 72;
    await input.setInputFiles(await upload());
    await page.getByText("Imported: 2 of 41 questions answered.").waitFor();
    await expect
      .poll(() => page.getByTestId("answer-q08").textContent())
      .toContain("served from Azure OpenAI");
    await expect(page.getByTestId("answer-q05").textContent()).resolves.toContain("72");
  });
});
