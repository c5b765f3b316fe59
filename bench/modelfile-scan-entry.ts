// Runs `assay scan` alone (the command as registered in the CLI), with Node's module compile
// cache on as a CLI launcher should have it, then prints the process's peak resident memory on
// stderr so benchmarks can check the memory bound.
import module from "node:module";
import { Command } from "commander";

module.enableCompileCache?.();
const { registerScanCommand } = await import("../src/cli/commands/scan.ts");
const program = new Command("assay").exitOverride();
registerScanCommand(program);
await program.parseAsync(process.argv);
process.stderr.write(`maxrss_kb=${process.resourceUsage().maxRSS}\n`);
