import { fileURLToPath } from "node:url";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

// The web app is built into web/dist and served by the Assay server. `npm run dev` runs Vite with
// hot reload and proxies /api to a server on ASSAY_PORT (default 8787).
export default defineConfig({
  root,
  plugins: [react(), tailwindcss()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: {
    port: 5173,
    proxy: { "/api": `http://127.0.0.1:${process.env.ASSAY_PORT ?? "8787"}` },
  },
});
