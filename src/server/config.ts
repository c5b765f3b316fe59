import { AppError } from "../domain/errors.ts";
import { readStoreConfig, type StoreConfig } from "../store/config.ts";

export interface ServerConfig {
  host: string;
  port: number;
  store: StoreConfig;
  logLevel: string;
  /** Lifetime of a sign-in session. */
  sessionTtlMs: number;
  /** Send cookies with the Secure flag (on when ASSAY_PUBLIC_URL is https). */
  secureCookies: boolean;
  /** The address people reach Assay at, used in links; defaults to http://host:port. */
  publicUrl: string;
  /** Largest JSON body accepted by API routes. */
  jsonBodyLimitBytes: number;
  /** Folder of the built web app; absent means the API runs without the UI. */
  webDistDir: string;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AppError(
      "VALIDATION_FAILED",
      `${name} must be a whole number from ${min} to ${max}, not "${raw}".`,
    );
  }
  return value;
}

/** Reads the server's settings from the environment, with the defaults documented in the README. */
export function readServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const host = env.ASSAY_HOST?.trim() || "127.0.0.1";
  const port = intFrom(env, "ASSAY_PORT", 8787, 0, 65535);
  const publicUrl = (
    env.ASSAY_PUBLIC_URL?.trim() || `http://${host.includes(":") ? `[${host}]` : host}:${port}`
  ).replace(/\/+$/, "");
  return {
    host,
    port,
    store: readStoreConfig(env),
    logLevel: env.ASSAY_LOG_LEVEL?.trim() || "info",
    sessionTtlMs: intFrom(env, "ASSAY_SESSION_HOURS", 12, 1, 24 * 30) * 3_600_000,
    secureCookies: publicUrl.startsWith("https://"),
    publicUrl,
    jsonBodyLimitBytes: intFrom(env, "ASSAY_JSON_LIMIT_BYTES", 1_048_576, 1024, 64 * 1_048_576),
    webDistDir: env.ASSAY_WEB_DIST?.trim() || new URL("../../web/dist", import.meta.url).pathname,
  };
}
