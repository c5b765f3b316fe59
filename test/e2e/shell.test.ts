import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, RESULTS_DIR, type ServedAssay, serveAssay } from "./browser.ts";

let assay: ServedAssay;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  assay = await serveAssay();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
});
afterAll(async () => {
  await browser?.close();
  await assay?.stop();
});

const ADMIN = { email: "lead@example.com", password: "a very long admin password" };

describe("web shell", () => {
  it("walks setup → sign in → create a user → sign out", async () => {
    expect(assay.setupToken).toMatch(/^assay_setup_/);
    await page.goto(assay.url);
    await page.waitForURL("**/setup");
    await page.getByLabel("Setup token").fill(assay.setupToken ?? "");
    await page.getByLabel("Your e-mail").fill(ADMIN.email);
    await page.getByLabel("Your name").fill("Lead");
    await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
    await page.getByLabel("Repeat password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Create administrator" }).click();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();

    // Every lifecycle area is in the navigation.
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const area of [
      "Dashboard",
      "Vendors",
      "Assessments",
      "Evidence",
      "Models",
      "Usage",
      "Monitoring",
      "Audit pack",
      "Settings",
      "Users",
    ]) {
      await expect(nav.getByRole("link", { name: area, exact: true }).count()).resolves.toBe(1);
    }

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/login");
    await page.getByLabel("E-mail").fill(ADMIN.email);
    await page.getByLabel("Password").fill("wrong password!!");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("Wrong e-mail or password");
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();

    await nav.getByRole("link", { name: "Users" }).click();
    await page.getByRole("heading", { name: "Users" }).waitFor();
    await page.getByLabel("E-mail").fill("auditor@example.com");
    await page.getByLabel("Name").fill("Outside Auditor");
    await page.getByLabel("Role", { exact: true }).selectOption("auditor");
    await page.getByLabel("Initial password").fill("auditor password 123");
    await page.getByRole("button", { name: "Create user" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: "auditor@example.com can now sign in as auditor" })
      .waitFor();
    const row = page.getByTestId("user-row-auditor@example.com");
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain("Outside Auditor");
    await page.screenshot({ path: path.join(RESULTS_DIR, "users.png"), fullPage: true });

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/login");
    // Signed out for real: the API refuses the old cookie.
    const status = await page.evaluate(async () => (await fetch("/api/auth/session")).status);
    expect(status).toBe(401);

    // The new user signs in and, as an auditor, sees no Users page.
    await page.getByLabel("E-mail").fill("auditor@example.com");
    await page.getByLabel("Password").fill("auditor password 123");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await expect(nav.getByRole("link", { name: "Users" }).count()).resolves.toBe(0);
    await page.screenshot({ path: path.join(RESULTS_DIR, "dashboard.png") });
  });
});
