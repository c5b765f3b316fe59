// Writes web/src/api/schema.d.ts from the server's own OpenAPI document, so the web app's API
// types can never drift from the routes. `npm run gen:api` runs it; a test fails when it is stale.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderApiTypes } from "./api-types.ts";

const target = fileURLToPath(new URL("../web/src/api/schema.d.ts", import.meta.url));
writeFileSync(target, await renderApiTypes());
console.log(`wrote ${target}`);
