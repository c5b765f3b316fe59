import type { Finding } from "../domain/findings.ts";
import type { Answers, Question } from "../domain/question-bank.ts";
import type { Db } from "./database.ts";

export interface EvidenceContext {
  workspaceId: string;
  assessmentId: string;
  vendorId: string;
  questions: Question[];
  answers: Answers;
}

/**
 * Findings that evidence on file raises for an assessment: the vendor's documents, model scans and
 * usage monitoring, and the contradictions between those facts and the answers.
 */
export async function evidenceFindingsFor(_db: Db, _context: EvidenceContext): Promise<Finding[]> {
  return [];
}
