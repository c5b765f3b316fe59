import type { Finding } from "../domain/findings.ts";
import type { Db } from "./database.ts";

/** The assistant's suggested findings for an assessment that a reviewer accepted. */
export async function acceptedSuggestionFindings(
  _db: Db,
  _context: { workspaceId: string; assessmentId: string },
): Promise<Finding[]> {
  return [];
}
