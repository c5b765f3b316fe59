import { readFileSync } from "node:fs";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { AppError } from "../domain/errors.ts";
import { IMPORT_MAX_BYTES } from "../store/inventory.ts";
import { principalMiddleware } from "./access.ts";
import { apiDocsRoutes } from "./api-docs.ts";
import type { Services } from "./context.ts";
import { handleError, problemFor } from "./problem.ts";
import { newRouter } from "./router.ts";
import { assessmentRoutes } from "./routes/assessment-routes.ts";
import { auditRoutes } from "./routes/audit-routes.ts";
import { authRoutes } from "./routes/auth-routes.ts";
import { DOCUMENT_UPLOAD_PATH, documentRoutes, documentUploadLimitBytes } from "./routes/document-routes.ts";
import { healthRoutes } from "./routes/health-routes.ts";
import { MODEL_FILE_UPLOAD_PATH, modelRoutes, modelUploadLimitBytes } from "./routes/model-routes.ts";
import { notificationRoutes } from "./routes/notification-routes.ts";
import { PORTAL_DOCUMENT_UPLOAD_PATH } from "./routes/portal-routes.ts";
import { suggestionRoutes } from "./routes/suggestion-routes.ts";
import { tokenRoutes } from "./routes/token-routes.ts";
import { USAGE_UPLOAD_MAX_BYTES, usageRoutes } from "./routes/usage-routes.ts";
import { userRoutes } from "./routes/user-routes.ts";
import { vendorImportRoutes } from "./routes/vendor-import-routes.ts";
import { vendorOutputRoutes } from "./routes/vendor-output-routes.ts";
import { vendorRoutes } from "./routes/vendor-routes.ts";
import { webAssetRoutes } from "./web-assets.ts";

export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

const REQUEST_ID = /^[\w.:-]{8,100}$/;

/** Builds the HTTP application: middleware, every API area, the OpenAPI document and docs, and the web app. */
export function buildApp(services: Services) {
  const { logger, config } = services;
  const app = newRouter();

  app.use(
    "*",
    requestId({
      // Accept a caller's id only if it looks like one, so logs cannot be injected through it.
      generator: () => crypto.randomUUID(),
      limitLength: 100,
    }),
  );
  app.use("*", async (c, next) => {
    const incoming = c.req.header("x-request-id");
    if (incoming && !REQUEST_ID.test(incoming)) c.set("requestId", crypto.randomUUID());
    const started = performance.now();
    await next();
    c.header("x-request-id", c.get("requestId"));
    const principal = c.get("principal");
    logger.info(
      {
        reqId: c.get("requestId"),
        method: c.req.method,
        route: c.req.routePath,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        user: principal?.user.id,
      },
      "request",
    );
  });
  app.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
      },
      referrerPolicy: "no-referrer",
      crossOriginEmbedderPolicy: false,
      // A response that sets its own policy keeps it (an inline PDF needs `object-src 'self'`).
      overwrite: false,
    }),
  );
  const limitOf = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new AppError("PAYLOAD_TOO_LARGE", `The request body is larger than ${maxSize} bytes.`, {
          details: { limitBytes: maxSize },
        });
      },
    });
  // Routes that carry files (base64 in JSON) get their own, larger limit; everything else the JSON one.
  const uploadLimits = new Map([
    ["/api/vendors/import", limitOf(Math.ceil((IMPORT_MAX_BYTES * 4) / 3) + 64 * 1024)],
    ["/api/usage/ingest", limitOf(USAGE_UPLOAD_MAX_BYTES)],
    ["/api/vendors/{id}/documents", limitOf(documentUploadLimitBytes())],
    ["/api/portal/{token}/documents", limitOf(documentUploadLimitBytes())],
  ]);
  // Model files may be many GiB and are scanned as they stream: only a declared length is checked
  // here (the scan counts the bytes itself), since bodyLimit buffers bodies sent without one.
  const modelLimit = modelUploadLimitBytes();
  const declaredLimit: ReturnType<typeof limitOf> = async (c, next) => {
    if (Number(c.req.header("content-length") ?? "0") > modelLimit) {
      throw new AppError("PAYLOAD_TOO_LARGE", `The request body is larger than ${modelLimit} bytes.`, {
        details: { limitBytes: modelLimit },
      });
    }
    await next();
  };
  uploadLimits.set("/api/models/upload", declaredLimit);
  uploadLimits.set("/api/models/{id}/files", declaredLimit);
  const jsonLimit = limitOf(config.jsonBodyLimitBytes);
  app.use("/api/*", (c, next) =>
    (
      uploadLimits.get(
        c.req.path
          .replace(DOCUMENT_UPLOAD_PATH, "/api/vendors/{id}/documents")
          .replace(MODEL_FILE_UPLOAD_PATH, "/api/models/{id}/files")
          .replace(PORTAL_DOCUMENT_UPLOAD_PATH, "/api/portal/{token}/documents"),
      ) ?? jsonLimit
    )(c, next),
  );
  app.use("/api/*", principalMiddleware(services));

  app.route("/", healthRoutes(services, VERSION));
  app.route("/", authRoutes(services));
  app.route("/", userRoutes(services));
  app.route("/", tokenRoutes(services));
  app.route("/", auditRoutes(services));
  app.route("/", vendorRoutes(services));
  app.route("/", vendorOutputRoutes(services));
  app.route("/", vendorImportRoutes(services));
  app.route("/", usageRoutes(services));
  app.route("/", documentRoutes(services));
  app.route("/", assessmentRoutes(services));
  app.route("/", modelRoutes(services));
  app.route("/", notificationRoutes(services));
  app.route("/", suggestionRoutes(services));

  app.openAPIRegistry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: "assay_session",
    description: "Set by POST /api/auth/login. Writes also need the X-CSRF-Token header.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "csrf", {
    type: "apiKey",
    in: "header",
    name: "X-CSRF-Token",
    description:
      "The csrfToken from the session response; required on POST, PUT, PATCH and DELETE with a session cookie.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API token from `assay token create` or POST /api/tokens.",
  });
  app.doc31("/api/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Assay API",
      version: VERSION,
      description:
        "AI vendor risk: inventory, tiering, questionnaires, evidence, model scanning, usage evidence and audit packs. " +
        "Errors are RFC 9457 problem+json documents with a stable `code`. Each operation states the permission it needs (`x-assay-access`).",
    },
    servers: [{ url: config.publicUrl }],
  });
  app.route("/", apiDocsRoutes());
  app.route("/", webAssetRoutes(config.webDistDir));

  app.notFound((c) => {
    const problem = problemFor(
      new AppError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}.`),
      c.get("requestId"),
    );
    return c.json(problem, 404, { "content-type": "application/problem+json" });
  });
  app.onError((error, c) => handleError(error, c, logger));
  return app;
}

export type AssayApp = ReturnType<typeof buildApp>;
