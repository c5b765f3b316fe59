import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import {
  registerAuditCommand,
  registerBackupCommands,
  registerMigrateCommand,
  registerTokenCommand,
  registerUserCommand,
} from "./commands/admin.ts";
import { registerAssessmentCommand } from "./commands/assessment.ts";
import { registerDocumentCommand } from "./commands/document.ts";
import { registerNotifyCommand } from "./commands/notify.ts";
import { registerScanCommand } from "./commands/scan.ts";
import { registerServeCommand } from "./commands/serve.ts";
import { registerSoc2Command } from "./commands/soc2.ts";
import { registerUsageClassifyCommand } from "./commands/usage-classify.ts";
import { registerUsageIngestCommand } from "./commands/usage-ingest.ts";
import { registerVendorCommand, registerVendorImportCommands } from "./commands/vendor.ts";
import { EXIT } from "./exit-codes.ts";

const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** Builds the `assay` program with every command registered. */
export function buildProgram(): Command {
  const program = new Command("assay")
    .description("Assay: AI vendor risk — inventory, assessments, evidence, model scanning, usage evidence.")
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerServeCommand(program);
  registerMigrateCommand(program);
  registerUserCommand(program);
  registerTokenCommand(program);
  registerBackupCommands(program);
  registerAuditCommand(program);
  registerVendorCommand(program);
  registerVendorImportCommands(program);
  registerDocumentCommand(program);
  registerAssessmentCommand(program);
  registerNotifyCommand(program);
  registerScanCommand(program);
  registerSoc2Command(program);
  registerUsageClassifyCommand(program);
  registerUsageIngestCommand(program);
  return program;
}

/** Runs the CLI on an argv (node, script, ...args). */
export async function runCli(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every usage mistake exits 2 (commander already printed why).
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    throw error;
  }
}

if (import.meta.main) {
  await runCli(process.argv);
}
