import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { AppError } from "../../domain/errors.ts";
import { isIsoDate } from "../../evidence/pdf/index.ts";
import { type BlobCheck, verifyBlobs } from "../../store/blob-store.ts";
import {
  addDocument,
  DOCUMENT_TYPES,
  type DocumentType,
  type DocumentView,
  listDocuments,
  readDocumentStoreConfig,
  resolveVendorRef,
} from "../../store/documents.ts";
import { EXIT } from "../exit-codes.ts";
import { withStore } from "../open-store.ts";
import { action, emit, withJson } from "../output.ts";

const CLI_ACTOR = { type: "system" as const, id: null, label: "assay CLI" };

function pad(text: string, width: number): string {
  return text.length >= width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

function dateOption(value: string | undefined, flag: string): string | undefined {
  if (value !== undefined && !isIsoDate(value))
    throw new AppError("VALIDATION_FAILED", `${flag} takes a date as YYYY-MM-DD, not "${value}".`);
  return value;
}

function expiryText(d: DocumentView): string {
  switch (d.expiry.state) {
    case "none":
      return "-";
    case "expired":
      return `expired ${d.expiresOn}`;
    case "expiring":
      return `in ${d.expiry.daysLeft} days`;
    case "valid":
      return d.expiresOn ?? "-";
  }
}

async function readUpload(file: string, maxBytes: number): Promise<Buffer> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new AppError("FILE_NOT_FOUND", `${file} is not a file.`);
    size = info.size;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("FILE_NOT_FOUND", `Cannot read ${file}.`, { details: { file } });
  }
  // Refused before reading, so an enormous file is never loaded.
  if (size > maxBytes) {
    throw new AppError("DOCUMENT_TOO_LARGE", `${file} is ${size} bytes; the limit is ${maxBytes}.`, {
      details: { size, limit: maxBytes },
    });
  }
  return readFile(file);
}

/** `assay document add|list|verify`: the evidence store from the command line. */
export function registerDocumentCommand(program: Command): void {
  const document = program.command("document").description("evidence documents of vendors");

  withJson(
    document
      .command("add <file>")
      .description("store a document for a vendor and read it with the reader for its type")
      .requiredOption("--vendor <vendor>", "the vendor's id or exact name")
      .requiredOption("--type <type>", DOCUMENT_TYPES.join(", "))
      .option("--title <title>", "shown title (default: the file name)")
      .option("--issued-on <date>", "YYYY-MM-DD")
      .option(
        "--expires-on <date>",
        "YYYY-MM-DD (ISO certificates: read from the certificate when not given)",
      )
      .option("--question <id>", "the questionnaire question it answers, e.g. q07"),
  ).action(
    action(
      async (
        file: string,
        options: {
          vendor: string;
          type: string;
          title?: string;
          issuedOn?: string;
          expiresOn?: string;
          question?: string;
          json?: boolean;
        },
      ) => {
        if (!DOCUMENT_TYPES.includes(options.type as DocumentType))
          throw new AppError("VALIDATION_FAILED", `--type must be one of ${DOCUMENT_TYPES.join(", ")}.`);
        const issuedOn = dateOption(options.issuedOn, "--issued-on");
        const expiresOn = dateOption(options.expiresOn, "--expires-on");
        const config = readDocumentStoreConfig();
        const bytes = await readUpload(file, config.maxBytes);
        const stored = await withStore("document add", async (database, workspaceId) => {
          const vendor = await resolveVendorRef(database.db, workspaceId, options.vendor);
          return addDocument(
            database.db,
            workspaceId,
            {
              vendorId: vendor.id,
              type: options.type as DocumentType,
              bytes,
              fileName: path.basename(file),
              title: options.title,
              issuedOn,
              expiresOn,
              questionId: options.question,
              uploadedVia: "cli",
            },
            CLI_ACTOR,
            config,
          );
        });
        emit(options, stored, () => [
          `stored ${stored.title} (${stored.type}) for ${stored.vendorName ?? "?"} as ${stored.id}`,
          `sha256 ${stored.sha256}, ${stored.size} bytes, ${stored.mediaType}`,
          stored.analysisStatus === "failed"
            ? `analysis failed: ${stored.analysisError ?? "unknown reason"}`
            : `analysis ${stored.analysisStatus}, ${stored.findings.length} finding(s)`,
          ...stored.findings.map((f) => `  [${f.severity}] ${f.title}${f.page ? ` (page ${f.page})` : ""}`),
        ]);
      },
    ),
  );

  withJson(
    document
      .command("list")
      .description("list documents, newest first")
      .option("--vendor <vendor>", "only this vendor (id or exact name)"),
  ).action(
    action(async (options: { vendor?: string; json?: boolean }) => {
      const result = await withStore("document list", async (database, workspaceId) => {
        const vendorId =
          options.vendor === undefined
            ? undefined
            : (await resolveVendorRef(database.db, workspaceId, options.vendor)).id;
        const items: DocumentView[] = [];
        let cursor: string | undefined;
        let total = 0;
        do {
          const page = await listDocuments(database.db, workspaceId, { vendorId, limit: 500, cursor });
          items.push(...page.items);
          total = page.total;
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        return { items, total };
      });
      emit(options, result, () => [
        `${pad("TITLE", 32)} ${pad("TYPE", 24)} ${pad("VENDOR", 24)} ${pad("ANALYSIS", 15)} ${pad("FINDINGS", 9)} EXPIRES`,
        ...result.items.map(
          (d) =>
            `${pad(d.title, 32)} ${pad(d.type, 24)} ${pad(d.vendorName ?? "-", 24)} ${pad(d.analysisStatus, 15)} ${pad(String(d.findings.length), 9)} ${expiryText(d)}`,
        ),
        `${result.total} documents`,
      ]);
    }),
  );

  withJson(
    document
      .command("verify")
      .description(
        "re-hash every stored document; exits 1 when any no longer matches its SHA-256 or is missing",
      ),
  ).action(
    action(async (options: { json?: boolean }) => {
      const config = readDocumentStoreConfig();
      const checks: BlobCheck[] = await withStore("document verify", (database, workspaceId) =>
        verifyBlobs(database.db, workspaceId, config),
      );
      const bad = checks.filter((c) => !c.ok);
      emit(options, { checked: checks.length, ok: checks.length - bad.length, failed: bad }, () => [
        ...bad.map(
          (c) =>
            `FAILED ${c.sha256} (${c.where}): ${c.problem === "missing" ? "bytes missing" : `hashes to ${c.actual}`}`,
        ),
        `${checks.length} blobs checked, ${bad.length} failed`,
      ]);
      if (bad.length > 0) {
        process.stderr.write(`assay: ${bad.length} stored document blob(s) failed verification\n`);
        return EXIT.findings;
      }
      return EXIT.ok;
    }),
  );
}
