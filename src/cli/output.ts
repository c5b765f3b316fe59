import type { Command } from "commander";
import { AppError, isAppError } from "../domain/errors.ts";
import { EXIT, exitCodeFor } from "./exit-codes.ts";

export interface JsonOption {
  json?: boolean;
}

/** Adds the `--json` flag every command takes. */
export function withJson(command: Command): Command {
  return command.option("--json", "print machine-readable JSON on stdout");
}

/** Prints a result: JSON when asked, otherwise the human text. */
export function emit(options: JsonOption, value: unknown, human: () => string | string[]): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  } else {
    const text = human();
    process.stdout.write(`${Array.isArray(text) ? text.join("\n") : text}\n`);
  }
}

/**
 * Runs a command body and turns failures into one clear line on stderr (and a JSON error on
 * stdout with --json) plus the documented exit code. No stack traces for expected errors.
 */
export function action<A extends unknown[]>(body: (...args: A) => Promise<unknown>) {
  return async (...args: A): Promise<void> => {
    const command = args.at(-1) as Command | undefined;
    const json = Boolean(command?.opts?.().json);
    try {
      const code = await body(...args);
      if (typeof code === "number") process.exitCode = code;
    } catch (error) {
      if (isAppError(error)) {
        if (json)
          process.stdout.write(
            `${JSON.stringify({ error: { code: error.code, message: error.message, details: error.details } })}\n`,
          );
        process.stderr.write(`assay: ${error.message}\n`);
        process.exitCode = exitCodeFor(error.code);
        return;
      }
      process.stderr.write(
        `assay: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = EXIT.internal;
    }
  };
}

/** Reads all of standard input as text (for --password-stdin), refusing a terminal without input. */
export async function readStdin(limitBytes = 64 * 1024): Promise<string> {
  if (process.stdin.isTTY) {
    throw new AppError(
      "VALIDATION_FAILED",
      'Expected the input on standard input (for example: echo "$PASSWORD" | assay …).',
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > limitBytes)
      throw new AppError("INPUT_TOO_LARGE", `Standard input is larger than ${limitBytes} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
