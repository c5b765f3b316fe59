import type { Command } from "commander";
import { readServerConfig } from "../../server/config.ts";
import { startServer } from "../../server/start.ts";
import { action, emit, withJson } from "../output.ts";
import { buildWeb, webBuildIsStale } from "../web-build.ts";

export function registerServeCommand(program: Command): void {
  withJson(
    program
      .command("serve")
      .description("run the Assay server (migrates the database first)")
      .option("--build-web", "build the web app first if its build is missing or stale"),
  ).action(
    action(async (options: { json?: boolean; buildWeb?: boolean }) => {
      const started = performance.now();
      if (options.buildWeb && webBuildIsStale()) {
        process.stderr.write("Building the web app (first start or changed sources)…\n");
        await buildWeb();
      }
      const config = readServerConfig();
      const server = await startServer(config);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      emit(
        options,
        {
          url: server.url,
          setupUrl: server.setupToken ? `${server.url}/setup` : null,
          setupToken: server.setupToken ?? null,
        },
        () => {
          const lines = [
            `Assay is running at ${server.url} (${server.services.database.description}, ready in ${seconds} s)`,
          ];
          if (server.setupToken) {
            lines.push(
              "",
              "First run: no admin exists yet. Open",
              `  ${server.url}/setup`,
              "and enter this one-time setup token:",
              `  ${server.setupToken}`,
              "",
            );
          }
          lines.push(`API documentation: ${server.url}/api/docs`);
          return lines;
        },
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.stderr.write("Stopping…\n");
          resolve();
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      await server.close();
    }),
  );
}
