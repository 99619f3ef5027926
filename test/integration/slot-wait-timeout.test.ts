import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRunSlots } from "../../src/limits/run-slots.js";
import type { AppHarness } from "../helpers/app-harness.js";
import { useAppHarness } from "../helpers/integration-suite.js";
import { fakeGitHub } from "../helpers/fake-github-nock.js";
import { createBareRemote } from "../helpers/git-remote.js";
import { calcIssueLabeledPayload } from "../helpers/payloads.js";
import { peakConcurrency, sharedConcurrencyLog } from "../helpers/concurrency-log.js";

/**
 * A step waiting for a run slot is not subject to its time limit or RivetKit's step timeout: two agents are held
 * in the only two slots for longer than the waiting steps' limits; the waiting runs still complete, each agent
 * step started once (no timeout, no retry).
 */
const ROOT = join(import.meta.dirname, "..", "..");
const AGENT = join(ROOT, "fixtures", "agents", "fix-calc-counted.sh");
const CALC = join(ROOT, "fixtures", "repos", "calc");
const OWNER = "acme";
const LIMIT = 2;
const LOG_VAR = "FIXBOT_CONCURRENCY_LOG";

const slots = createRunSlots({ runs: LIMIT });
const suite = useAppHarness({ slots });
let harness: AppHarness;
let work: string;
beforeAll(async () => {
  harness = suite.harness();
  // In the one host directory the sandboxed agents may write besides their workspace.
  work = await mkdtemp(join(harness.sharedDir, "limits-"));
  await chmod(work, 0o777);
  process.env[LOG_VAR] = await sharedConcurrencyLog(work, "concurrency.log");
});
afterAll(async () => {
  delete process.env[LOG_VAR];
  await rm(work, { recursive: true, force: true });
});

describe("operator limit on concurrent runs: waiting is not timing out", () => {
  it("a step waiting in line longer than its own time limit (and the engine's) is not timed out: it runs once it gets its slot", async () => {
    process.env[LOG_VAR] = await sharedConcurrencyLog(work, "concurrency-2.log");
    const log = process.env[LOG_VAR]!;
    const holdRemote = await createBareRemote({ fixture: CALC });
    const waitRemote = await createBareRemote({ fixture: CALC });
    suite.onCleanup(holdRemote.cleanup);
    suite.onCleanup(waitRemote.cleanup);
    const agent = `agent:\n  command: ${JSON.stringify(AGENT)}\n  passEnv: [${LOG_VAR}]\n`;
    // The waiting runs' agent step may take 10 s + 20 s (clone): 30 s of its own, 60 s for the engine.
    const stepLimitMs = (10 + 20) * 1000 + 30_000;
    const hold = fakeGitHub({ owner: OWNER, repo: "calc-hold", configYaml: agent, roles: { alice: "write" } });
    const wait = fakeGitHub({
      owner: OWNER,
      repo: "calc-wait",
      configYaml: `${agent}timeouts:\n  agent: 10\n  clone: 20\n`,
      roles: { alice: "write" },
    });
    suite.useFake(() => {
      hold.stop();
      wait.stop();
    });
    const label = (repo: string, number: number, url: string) =>
      harness.probot.receive({
        id: `delivery-${repo}-${number}`,
        name: "issues",
        payload: calcIssueLabeledPayload({ owner: OWNER, repo, number, label: "fixbot", senderLogin: "alice", cloneUrl: url }),
      } as never);
    const started = async () => peakConcurrency(await readFile(log, "utf8").catch(() => "")).starts;
    const until = async (check: () => Promise<boolean> | boolean, what: string) => {
      const deadline = Date.now() + 180_000;
      while (!(await check())) {
        if (Date.now() > deadline) {
          const comments = [...hold.state.comments, ...wait.state.comments].map((c) => c.body.split("\n").slice(0, 14).join("\n"));
          throw new Error(
            `timed out waiting for ${what}; slots: ${JSON.stringify(slots.counts())}; comments: ${JSON.stringify(comments)}; unmatched: ${JSON.stringify([...hold.state.unmatched, ...wait.state.unmatched])}`,
          );
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await label("calc-hold", 1, holdRemote.url);
    await label("calc-hold", 2, holdRemote.url);
    await until(async () => (await started()) === LIMIT, "both slots to be taken by held agents");
    await label("calc-wait", 1, waitRemote.url);
    await label("calc-wait", 2, waitRemote.url);
    const waitingNote = "waiting for a free slot: all 2 run slots are busy (FIXBOT_MAX_CONCURRENT_RUNS)";
    await until(
      () => wait.state.comments.filter((c) => c.body.includes(waitingNote)).length === 2,
      "both runs of calc-wait to wait in line",
    );
    // Time must pass here: the waiting steps stay in line past their own limit and the engine's usual one.
    const waitingSince = Date.now();
    await until(() => Date.now() - waitingSince > stepLimitMs + 5_000, "the waiting steps' time limits to pass");
    expect(await started()).toBe(LIMIT);
    expect(wait.state.comments.filter((c) => c.body.includes(waitingNote))).toHaveLength(2);
    await writeFile(`${log}.release`, "");
    const runs = await Promise.all([
      harness.waitForRuns(`${OWNER}/calc-hold`, 1, 1, 240_000),
      harness.waitForRuns(`${OWNER}/calc-hold`, 2, 1, 240_000),
      harness.waitForRuns(`${OWNER}/calc-wait`, 1, 1, 240_000),
      harness.waitForRuns(`${OWNER}/calc-wait`, 2, 1, 240_000),
    ]);
    expect(runs.map((r) => r[0]?.status)).toEqual(["fixed", "fixed", "fixed", "fixed"]);
    // Each agent step ran once: the waits were neither timed out nor retried.
    const waited = runs.slice(2).map((r) => r[0]!.steps.find((s) => s.name === "run-agent#1"));
    expect(waited.map((s) => s?.starts)).toEqual([1, 1]);
    expect(peakConcurrency(await readFile(log, "utf8"))).toEqual({ peak: LIMIT, starts: 4, ends: 4 });
  }, 400_000);
});
