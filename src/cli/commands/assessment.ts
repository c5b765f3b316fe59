import { readFile, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { z } from "zod";
import { AppError } from "../../domain/errors.ts";
import {
  type AssessmentDetail,
  analyzeAssessment,
  createAssessment,
  exportAssessmentXlsx,
  getAssessment,
  importAssessmentXlsx,
  type Respondent,
  readSendSettings,
  sendAssessment,
} from "../../store/assessments.ts";
import { catalogEntriesOf, loadCatalog, seedCatalog } from "../../store/catalog.ts";
import { resolveVendorRef } from "../../store/documents.ts";
import { withStore } from "../open-store.ts";
import { action, emit, withJson } from "../output.ts";

const CLI_ACTOR = { type: "system" as const, id: null, label: "assay CLI" };
/** Largest workbook `assessment import` reads. */
const IMPORT_MAX_BYTES = 5 * 1024 * 1024;

function publicUrl(): string {
  return (process.env.ASSAY_PUBLIC_URL?.trim() || "http://127.0.0.1:8787").replace(/\/+$/, "");
}

function describe(a: AssessmentDetail): string[] {
  return [
    `assessment ${a.id}`,
    `  vendor        ${a.vendorName} (tier ${a.tier})`,
    `  questions     ${a.questionCount} from ${a.bankId} v${a.bankVersion}, ${a.answeredCount} answered`,
    `  status        ${a.status}${a.decision ? ` (${a.decision})` : ""}`,
    ...(a.dueDate ? [`  due           ${a.dueDate}`] : []),
    ...(a.nextReviewDue ? [`  next review   ${a.nextReviewDue}`] : []),
    ...a.conditions.map((c) => `  condition     ${c}`),
  ];
}

/** The respondent options of `send`, checked like the API checks them. */
function respondentOf(options: { respondentEmail?: string; respondentName?: string }): Respondent {
  const email = options.respondentEmail?.trim();
  if (email !== undefined && !z.email().safeParse(email).success) {
    throw new AppError("VALIDATION_FAILED", `--respondent-email is not an e-mail address: "${email}".`);
  }
  const name = options.respondentName?.trim();
  if (name !== undefined && (name.length === 0 || name.length > 200)) {
    throw new AppError("VALIDATION_FAILED", "--respondent-name must be 1 to 200 characters.");
  }
  return { email, name };
}

/** `assay assessment create|send|export|import|show`: questionnaires from the command line. */
export function registerAssessmentCommand(program: Command): void {
  const assessment = program.command("assessment").description("vendor questionnaires");

  withJson(
    assessment
      .command("create <vendor>")
      .description(
        "start a draft assessment with the question set of the vendor's tier (vendor id or exact name)",
      ),
  ).action(
    action(async (vendor: string, options: { json?: boolean }) => {
      const created = await withStore("assessment create", async (database, workspaceId) => {
        // The question bank lives in the catalogue; make sure it is loaded when no server has run yet.
        if ((await catalogEntriesOf(database.db, "questions")).length === 0) {
          await seedCatalog(database.db, await loadCatalog());
        }
        const v = await resolveVendorRef(database.db, workspaceId, vendor);
        return createAssessment(database.db, workspaceId, { vendorId: v.id }, CLI_ACTOR);
      });
      emit(options, created, () => describe(created));
    }),
  );

  withJson(
    assessment
      .command("send <id>")
      .description("send a draft: prints the portal link (shown once) and the due date")
      .option("--respondent-email <address>", "the vendor's respondent; reminders are e-mailed here")
      .option("--respondent-name <name>", "the respondent's name, used in reminders"),
  ).action(
    action(
      async (id: string, options: { json?: boolean; respondentEmail?: string; respondentName?: string }) => {
        const settings = readSendSettings();
        const respondent = respondentOf(options);
        const link = await withStore("assessment send", (database, workspaceId) =>
          sendAssessment(database.db, workspaceId, id, settings, CLI_ACTOR, respondent),
        );
        const result = {
          portalUrl: `${publicUrl()}/portal/${link.token}`,
          dueDate: link.dueDate,
          expiresAt: link.expiresAt,
        };
        emit(options, result, () => [
          `portal link  ${result.portalUrl}`,
          `due date     ${result.dueDate}`,
          `link expires ${result.expiresAt}`,
        ]);
      },
    ),
  );

  withJson(
    assessment.command("export <id> <file>").description("write the questionnaire as an XLSX workbook"),
  ).action(
    action(async (id: string, file: string, options: { json?: boolean }) => {
      const bytes = await withStore("assessment export", (database, workspaceId) =>
        exportAssessmentXlsx(database.db, workspaceId, id),
      );
      await writeFile(file, bytes);
      emit(options, { file, bytes: bytes.length }, () => `wrote ${file} (${bytes.length} bytes)`);
    }),
  );

  withJson(
    assessment
      .command("import <id> <file>")
      .description("read a completed XLSX questionnaire; all-or-nothing, errors name sheet and cell"),
  ).action(
    action(async (id: string, file: string, options: { json?: boolean }) => {
      const bytes = await readFile(file).catch(() => {
        throw new AppError("FILE_NOT_FOUND", `Cannot read ${file}.`, { details: { file } });
      });
      if (bytes.length > IMPORT_MAX_BYTES) {
        throw new AppError("PAYLOAD_TOO_LARGE", `${file} is larger than ${IMPORT_MAX_BYTES} bytes.`);
      }
      const updated = await withStore("assessment import", (database, workspaceId) =>
        importAssessmentXlsx(database.db, workspaceId, id, bytes, CLI_ACTOR),
      );
      emit(options, updated, () => describe(updated));
    }),
  );

  withJson(
    assessment.command("show <id>").description("an assessment's state, with findings and scores"),
  ).action(
    action(async (id: string, options: { json?: boolean }) => {
      const result = await withStore("assessment show", async (database, workspaceId) => ({
        assessment: await getAssessment(database.db, workspaceId, id),
        analysis: await analyzeAssessment(database.db, workspaceId, id),
      }));
      emit(options, result, () => [
        ...describe(result.assessment),
        `  score         ${result.analysis.scores.overall.score} overall; ${result.analysis.scores.dimensions
          .map((d) => `${d.dimension} ${d.score}`)
          .join(", ")}`,
        `  findings      ${result.analysis.findings.length}`,
        ...result.analysis.findings
          .slice(0, 20)
          .map((f) => `    ${f.severity.padEnd(8)} ${f.title} [${f.questionIds.join(", ")}]`),
      ]);
    }),
  );
}
