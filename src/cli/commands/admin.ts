import type { Command } from "commander";
import { z } from "zod";
import { AppError } from "../../domain/errors.ts";
import { ROLES, type Role } from "../../domain/roles.ts";
import { verifyAuditChain } from "../../store/audit-log.ts";
import { createApiToken } from "../../store/auth.ts";
import { backupDatabase, restoreDatabase } from "../../store/backup.ts";
import { loadCatalog, seedCatalog } from "../../store/catalog.ts";
import { createUser, findUserByEmail } from "../../store/users.ts";
import { EXIT } from "../exit-codes.ts";
import { withStore } from "../open-store.ts";
import { action, emit, readStdin, withJson } from "../output.ts";

const CLI_ACTOR = { type: "system" as const, id: null, label: "assay CLI" };

export function registerMigrateCommand(program: Command): void {
  withJson(
    program.command("migrate").description("apply pending database migrations and seed the catalogue"),
  ).action(
    action(async (options: { json?: boolean }) => {
      const result = await withStore("migrate", async (database) => ({
        database: database.description,
        catalog: await seedCatalog(database.db, await loadCatalog()),
      }));
      emit(
        options,
        result,
        () =>
          `Database is up to date (${result.database}); catalogue: ${result.catalog.inserted} new, ${result.catalog.updated} updated, ${result.catalog.unchanged} unchanged.`,
      );
    }),
  );
}

export function registerUserCommand(program: Command): void {
  const user = program.command("user").description("manage users");
  withJson(
    user
      .command("create <email>")
      .description("create a user; the password is read from standard input")
      .requiredOption("--role <role>", `one of ${ROLES.join(", ")}`)
      .option("--name <name>", "display name")
      .requiredOption(
        "--password-stdin",
        "read the password from standard input (it never appears in the process list)",
      ),
  ).action(
    action(async (email: string, options: { role: string; name?: string; json?: boolean }) => {
      if (!ROLES.includes(options.role as Role)) {
        throw new AppError(
          "VALIDATION_FAILED",
          `--role must be one of ${ROLES.join(", ")}, not "${options.role}".`,
        );
      }
      if (!z.email().safeParse(email.trim()).success)
        throw new AppError("VALIDATION_FAILED", `"${email}" is not an e-mail address.`);
      const password = (await readStdin()).replace(/\r?\n$/, "");
      if (password.length < 12)
        throw new AppError("VALIDATION_FAILED", "The password must be at least 12 characters.");
      const created = await withStore("user create", (database, workspaceId) =>
        createUser(
          database.db,
          { workspaceId, email, name: options.name, role: options.role as Role, password },
          CLI_ACTOR,
        ),
      );
      emit(options, created, () => `Created ${created.role} ${created.email} (${created.id}).`);
    }),
  );
}

export function registerTokenCommand(program: Command): void {
  const token = program.command("token").description("manage API tokens");
  withJson(
    token
      .command("create <email>")
      .description("create an API token for a user and print it (only the token, once)")
      .requiredOption("--name <name>", "what the token is for, e.g. ci")
      .option("--expires-days <days>", "expire after this many days"),
  ).action(
    action(async (email: string, options: { name: string; expiresDays?: string; json?: boolean }) => {
      const days = options.expiresDays === undefined ? undefined : Number(options.expiresDays);
      if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 3650)) {
        throw new AppError("VALIDATION_FAILED", "--expires-days must be a whole number from 1 to 3650.");
      }
      const created = await withStore("token create", async (database, workspaceId) => {
        const user = await findUserByEmail(database.db, workspaceId, email);
        if (!user) throw new AppError("USER_NOT_FOUND", `No user with the e-mail ${email}.`);
        return createApiToken(
          database.db,
          {
            workspaceId,
            userId: user.id,
            name: options.name,
            expiresAt: days ? new Date(Date.now() + days * 86_400_000) : undefined,
          },
          CLI_ACTOR,
        );
      });
      emit(options, { token: created.token }, () => created.token);
    }),
  );
}

export function registerBackupCommands(program: Command): void {
  withJson(
    program
      .command("backup <file>")
      .description("write a consistent backup of the whole database to a file (gzip JSON lines)"),
  ).action(
    action(async (file: string, options: { json?: boolean }) => {
      const result = await withStore("backup", (database) => backupDatabase(database, file));
      emit(
        options,
        result,
        () => `Backed up ${result.rows} rows from ${Object.keys(result.tables).length} tables to ${file}.`,
      );
    }),
  );
  withJson(
    program
      .command("restore <file>")
      .description("restore a backup into this database (refuses a database with data unless --force)")
      .option("--force", "replace the data already in the database"),
  ).action(
    action(async (file: string, options: { force?: boolean; json?: boolean }) => {
      const result = await withStore("restore", (database) =>
        restoreDatabase(database, file, { force: options.force }),
      );
      emit(
        options,
        result,
        () => `Restored ${result.rows} rows into ${Object.keys(result.tables).length} tables from ${file}.`,
      );
    }),
  );
}

export function registerAuditCommand(program: Command): void {
  const audit = program.command("audit").description("the tamper-evident audit log");
  withJson(
    audit
      .command("verify")
      .description("recompute the hash chain; exit 1 at the first altered or missing entry"),
  ).action(
    action(async (options: { json?: boolean }) => {
      const result = await withStore("audit verify", (database) => verifyAuditChain(database.db));
      emit(options, result, () =>
        result.ok
          ? `Audit log intact: ${result.checked} entries verified.`
          : `Audit log BROKEN: ${result.problem?.message} (${result.checked} entries before it verified).`,
      );
      return result.ok ? EXIT.ok : EXIT.findings;
    }),
  );
}
