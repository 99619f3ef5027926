import { configDefaults, defineConfig } from "vitest/config";

/**
 * Two passes (see `npm test`): first every suite but the solo ones, two files at a time, each file with its own
 * engine; then, with FIXBOT_TEST_VM=1, the solo files one at a time: the agentOS VM ones (`*.vm.test.ts`) and the
 * load tests (`*.solo.test.ts`). An agentOS VM keeps warming V8 workers and takes most of both cores, and the burst
 * test keeps both cores busy for a minute or two: next to the engine suites they made those time out.
 */
const vmPass = process.env.FIXBOT_TEST_VM === "1";
const SOLO = ["test/**/*.vm.test.ts", "test/**/*.solo.test.ts"];

export default defineConfig({
  test: {
    include: vmPass ? SOLO : ["test/**/*.test.ts"],
    exclude: vmPass ? configDefaults.exclude : [...configDefaults.exclude, ...SOLO],
    fileParallelism: !vmPass,
    maxWorkers: vmPass ? 1 : 2,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
  },
});
