// `npm run dev`: the API server with restarts on change (node --watch) and the web app from Vite with
// hot reload, which proxies /api to the server. Stop both with Ctrl-C.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const port = process.env.ASSAY_PORT ?? "8787";
const children = [
  spawn(process.execPath, ["--watch-path=src", "--watch-path=catalog", "src/cli/main.ts", "serve"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ASSAY_PORT: port },
  }),
  spawn(process.execPath, ["node_modules/vite/bin/vite.js", "--config", "web/vite.config.ts"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ASSAY_PORT: port },
  }),
];
console.log(`API on http://127.0.0.1:${port}, web app with hot reload on http://127.0.0.1:5173`);
const stop = () => {
  for (const child of children) child.kill("SIGTERM");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
for (const child of children) {
  child.on("exit", (code) => {
    if (code && code !== 0) {
      stop();
      process.exitCode = code;
    }
  });
}
