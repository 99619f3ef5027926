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
 * FIXBOT_MAX_CONCURRENT_RUNS through the real app and engine: N+2 labelled issues with a limit of N. The agent
 * script logs its start and end to a shared file and works until the test releases it. While N agents are held,
 * the other runs wait in line and say so on their tracking comment; once released, every run completes (queued,
 * never dropped) and at no point were more than N agents running.
 */
const ROOT = join(import.meta.dirname, "..", "..");
const AGENT = join(ROOT, "fixtures", "agents", "fix-calc-counted.sh");
const CALC = join(ROOT, "fixtures", "repos", "calc");
const OWNER = "acme";
const REPO = "calc-limits";
const LIMIT = 2;
const ISSUES = [1, 2, 3, 4];
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

describe("operator limit on concurrent runs", () => {
  it(`${ISSUES.length} issues with FIXBOT_MAX_CONCURRENT_RUNS=${LIMIT}: never more than ${LIMIT} agents at once, all fixed`, async () => {
    const remote = await createBareRemote({ fixture: CALC });
    suite.onCleanup(remote.cleanup);
    const config = `agent:\n  command: ${JSON.stringify(AGENT)}\n  passEnv: [${LOG_VAR}]\n`;
    const fake = fakeGitHub({ owner: OWNER, repo: REPO, configYaml: config, roles: { alice: "write" } });
    suite.useFake(fake.stop);
    await Promise.all(
      ISSUES.map((number) =>
        harness.probot.receive({
          id: `delivery-limits-${number}`,
          name: "issues",
          payload: calcIssueLabeledPayload({
            owner: OWNER,
            repo: REPO,
            number,
            label: "fixbot",
            senderLogin: "alice",
            cloneUrl: remote.url,
          }),
        } as never),
      ),
    );
    const log = process.env[LOG_VAR]!;
    const trackingVersions = () => fake.state.comments.filter((c) => c.body.includes("fixbot:tracking")).flatMap((c) => c.versions);
    const waitingNote = "waiting for a free slot: all 2 run slots are busy (FIXBOT_MAX_CONCURRENT_RUNS)";
    // Held: N agents start, and the other runs reach their agent step and wait for a slot, saying so.
    const deadline = Date.now() + 180_000;
    const started = async () => peakConcurrency(await readFile(log, "utf8").catch(() => "")).starts;
    while (fake.state.comments.filter((c) => c.body.includes(waitingNote)).length < ISSUES.length - LIMIT || (await started()) < LIMIT) {
      if (Date.now() > deadline)
        throw new Error(
          `the runs past the limit never said they wait: ${JSON.stringify(fake.state.comments.map((c) => c.body.split("\n").slice(0, 12)))}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await started()).toBe(LIMIT);
    await writeFile(`${log}.release`, "");
    const runs = await Promise.all(ISSUES.map((number) => harness.waitForRuns(`${OWNER}/${REPO}`, number, 1, 240_000)));
    expect(runs.map((r) => r[0]?.status)).toEqual(ISSUES.map(() => "fixed"));
    const { peak, starts, ends } = peakConcurrency(await readFile(log, "utf8"));
    expect({ starts, ends }).toEqual({ starts: ISSUES.length, ends: ISSUES.length });
    expect(peak).toBe(LIMIT);
    // None twice: one pull request per issue, created once (a second creation would be a second POST).
    expect(fake.state.pulls.map((p) => p.head).sort()).toEqual(ISSUES.map((n) => `fixbot/issue-${n}`).sort());
    expect(fake.state.writes.filter((w) => w.method === "POST" && w.path.endsWith("/pulls"))).toHaveLength(ISSUES.length);
    // Every slot was given back.
    expect(slots.counts()).toEqual({ runs: 0, vms: 0, waiting: 0 });
    // A waiting step's note goes once it gets its slot: no final comment still says it waits.
    expect(fake.state.comments.filter((c) => c.body.includes(waitingNote))).toEqual([]);
    expect(trackingVersions().filter((v) => v.includes(waitingNote)).length).toBeGreaterThanOrEqual(ISSUES.length - LIMIT);
  }, 300_000);
});
