import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { Hono } from "hono";
import type { AppEnv } from "./context.ts";

// Swagger UI is served from the installed swagger-ui-dist package: the docs work on a machine
// with no internet, and the page needs no inline script (the CSP forbids it).
const require = createRequire(import.meta.url);
const DIST = path.dirname(require.resolve("swagger-ui-dist/package.json"));
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Assay API</title>
<link rel="icon" href="/api/docs/favicon-32x32.png">
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>`;

const INIT = `window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  withCredentials: true,
  requestInterceptor: function (req) {
    var csrf = window.sessionStorage.getItem("assay.csrf");
    if (csrf) req.headers["X-CSRF-Token"] = csrf;
    return req;
  }
});`;

/** Browsable API documentation at /api/docs, rendered from /api/openapi.json. Open to anyone, like the document. */
export function apiDocsRoutes() {
  const cache = new Map<string, Buffer>();
  return new Hono<AppEnv>()
    .get("/api/docs", (c) => c.html(PAGE))
    .get("/api/docs/init.js", (c) => c.body(INIT, 200, { "content-type": "text/javascript; charset=utf-8" }))
    .get("/api/docs/:asset", async (c) => {
      const name = c.req.param("asset");
      const type = ASSETS[name];
      if (!type) return c.notFound();
      let body = cache.get(name);
      if (!body) {
        body = await readFile(path.join(DIST, name));
        cache.set(name, body);
      }
      return c.body(new Uint8Array(body), 200, {
        "content-type": type,
        "cache-control": "public, max-age=86400",
      });
    });
}
