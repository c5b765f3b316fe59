import { Command } from "commander";
import { vi } from "vitest";

/**
 * Runs one `assay` command in-process, as tests need it: the command registered on a fresh
 * program, stdout and stderr captured, and the exit code the command set.
 */
export async function runCommand(
  register: (program: Command) => void,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const program = new Command().exitOverride();
  register(program);
  process.exitCode = undefined;
  try {
    await program.parseAsync(args, { from: "user" });
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, stdout, stderr };
}
