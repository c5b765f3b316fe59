import { OpenAPIHono } from "@hono/zod-openapi";
import type { ZodError } from "zod";
import { AppError } from "../domain/errors.ts";
import type { AppEnv } from "./context.ts";

/** Flattens zod issues into `{ path, message }` pairs a person can act on ("body.email: must be an e-mail address"). */
export function describeZodIssues(error: ZodError, location: string) {
  return error.issues.map((issue) => {
    const where = [location, ...issue.path.map(String)].join(".");
    const message =
      issue.code === "unrecognized_keys" ? `unknown field(s): ${issue.keys.join(", ")}` : issue.message;
    return { path: where, message };
  });
}

/** A router whose validation failures become VALIDATION_FAILED problems naming every bad field. */
export function newRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, _c) => {
      if (!result.success) {
        const location = result.target === "json" ? "body" : result.target;
        const issues = describeZodIssues(result.error as ZodError, location);
        const summary = issues
          .slice(0, 3)
          .map((i) => `${i.path}: ${i.message}`)
          .join("; ");
        throw new AppError(
          "VALIDATION_FAILED",
          `The request is not valid: ${summary}${issues.length > 3 ? "; …" : ""}`,
          {
            details: { issues },
          },
        );
      }
    },
  });
}
