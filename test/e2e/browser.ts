import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const RESULTS_DIR = path.join(ROOT, "test-results");

/** Debian's Chromium, headless, without the background traffic a closed network refuses. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface ServedAssay {
  url: string;
  setupToken: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Runs the real `assay serve --build-web` on a fresh data folder and a free port, as a user would. */
export async function serveAssay(): Promise<ServedAssay> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "assay-e2e-"));
  const child = spawn(
    process.execPath,
    [path.join(ROOT, "src/cli/main.ts"), "serve", "--build-web", "--json"],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ASSAY_DATA_DIR: dataDir,
        ASSAY_PORT: "0",
        ASSAY_LOG_LEVEL: "warn",
        DATABASE_URL: "",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  child.stderr?.on("data", (d) => {
    err += String(d);
  });
  const started = await new Promise<{ url: string; setupToken: string | null }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`assay serve did not start in time:\n${err}`)), 120_000);
    child.stdout?.on("data", (d) => {
      out += String(d);
      const end = out.indexOf("\n}");
      if (end >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(out.slice(0, end + 2)));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`assay serve exited with ${code}:\n${err}`));
    });
  });
  return {
    ...started,
    process: child,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface AdminAccount {
  email: string;
  password: string;
  name: string;
}

/** Completes first-run setup in the browser with the setup token and lands signed in on the dashboard. */
export async function setUpAdminInBrowser(
  page: Page,
  served: ServedAssay,
  admin: AdminAccount,
): Promise<void> {
  await page.goto(served.url);
  await page.waitForURL("**/setup");
  await page.getByLabel("Setup token").fill(served.setupToken ?? "");
  await page.getByLabel("Your e-mail").fill(admin.email);
  await page.getByLabel("Your name").fill(admin.name);
  await page.getByLabel("Password", { exact: true }).fill(admin.password);
  await page.getByLabel("Repeat password").fill(admin.password);
  await page.getByRole("button", { name: "Create administrator" }).click();
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
}
