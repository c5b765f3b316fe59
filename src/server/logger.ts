import pino, { type Logger } from "pino";

/**
 * Structured logs (pino, JSON lines). Anything that could hold a secret is redacted by path, and
 * request logs carry the matched route pattern, never the raw URL (portal links carry tokens).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "assay" },
      redact: {
        paths: [
          "password",
          "*.password",
          "newPassword",
          "*.newPassword",
          "token",
          "*.token",
          "setupToken",
          "*.setupToken",
          "authorization",
          "cookie",
          "*.authorization",
          "*.cookie",
          "headers.authorization",
          "headers.cookie",
          'headers["set-cookie"]',
          "*.headers.authorization",
          "*.headers.cookie",
          "csrfToken",
          "*.csrfToken",
          "databaseUrl",
          "*.databaseUrl",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
