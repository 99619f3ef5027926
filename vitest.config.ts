import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each file that needs an engine starts its own (isolated ports and storage); two cores run two at a time.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
  },
});
