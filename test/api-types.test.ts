import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { renderApiTypes } from "../scripts/api-types.ts";

describe("web API types", () => {
  it("are generated from the server's current OpenAPI document (run `npm run gen:api` when this fails)", async () => {
    const committed = await readFile(new URL("../web/src/api/schema.d.ts", import.meta.url), "utf8");
    expect(committed).toBe(await renderApiTypes());
  });
});
