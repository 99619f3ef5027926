import { configDefaults, defineConfig } from "vitest/config";

/**
 * Two passes (see `npm test`): first every suite but the agentOS VM ones, two files at a time, each file with its
 * own engine; then, with FIXBOT_TEST_VM=1, the `*.vm.test.ts` files alone. An agentOS VM keeps warming V8 workers
 * and takes most of both cores, so running it next to the engine suites made those time out.
 */
const vmPass = process.env.FIXBOT_TEST_VM === "1";

export default defineConfig({
  test: {
    include: vmPass ? ["test/**/*.vm.test.ts"] : ["test/**/*.test.ts"],
    exclude: vmPass ? configDefaults.exclude : [...configDefaults.exclude, "test/**/*.vm.test.ts"],
    fileParallelism: !vmPass,
    maxWorkers: vmPass ? 1 : 2,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
  },
});
