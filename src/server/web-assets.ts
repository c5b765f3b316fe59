import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { Hono } from "hono";
import type { AppEnv } from "./context.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * Serves the built web app from its dist folder. Hashed assets are cached for a year; every other
 * non-API path gets index.html so the client-side router can take it.
 */
export function webAssetRoutes(distDir: string) {
  const app = new Hono<AppEnv>();
  const root = path.resolve(distDir);
  const index = path.join(root, "index.html");
  app.get("*", async (c, next) => {
    if (c.req.path.startsWith("/api/") || c.req.path === "/api") return next();
    if (!existsSync(index)) {
      return c.text("The web app is not built. Run `npm start` (it builds it) or `npm run build:web`.", 503);
    }
    const wanted = path.resolve(root, `.${decodeURIComponent(c.req.path)}`);
    if (wanted.startsWith(root + path.sep)) {
      const info = await stat(wanted).catch(() => undefined);
      if (info?.isFile()) {
        const immutable = wanted.includes(`${path.sep}assets${path.sep}`);
        return c.body(new Uint8Array(await readFile(wanted)), 200, {
          "content-type": TYPES[path.extname(wanted)] ?? "application/octet-stream",
          "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
        });
      }
    }
    return c.html(await readFile(index, "utf8"), 200, { "cache-control": "no-cache" });
  });
  return app;
}
