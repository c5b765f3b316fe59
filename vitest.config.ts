import { defineConfig } from "vitest/config";

// Three projects, one per README test command:
//   unit — everything that needs only npm (store and API suites run on PGlite in-process);
//   pg   — the store and API suites again, against the PostgreSQL server named by DATABASE_URL;
//   e2e  — browser tests driving Debian's Chromium.
const shared = ["src/store/**/*.test.ts", "test/api/**/*.test.ts"];

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "test/**/*.test.ts", "catalog/**/*.test.ts", "bench/**/*.test.ts"],
          exclude: ["test/e2e/**", "**/node_modules/**"],
          env: { ASSAY_TEST_DB: "pglite" },
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "pg",
          include: shared,
          env: { ASSAY_TEST_DB: "postgres" },
          testTimeout: 30_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
