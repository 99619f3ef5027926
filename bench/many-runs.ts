/**
 * Many runs at once: BENCH_RUNS (default 50) issues labelled at the same moment, through the real bot (Probot ->
 * inbox -> actors on the real embedded Rivet Engine -> clone via the mirror, scripted agent in the sandbox,
 * tests, push to a local bare remote, PR on the fake GitHub), with the operator's run limit
 * (FIXBOT_MAX_CONCURRENT_RUNS, BENCH_RUN_LIMIT, default 4: the default setting).
 *
 * The agent (fixtures/agents/fix-calc-counted.sh) logs its start and end and holds until released, so the bench
 * first sees every run admitted and waiting for a slot (idle runs), measures memory there, then releases them
 * and times the drain. Checked, and the bench fails if not: every run fixed, one PR per issue and no second
 * PR attempt (fake GitHub), one agent start per issue, never more agents at once than the limit.
 *
 * Printed: wall time from the first delivery to the last run closed, peak RSS of the bot process plus the
 * engine process (sampled every 250 ms; the agents' sandboxed processes are not counted), and memory per idle
 * run: (RSS with all runs admitted and waiting - RSS of the idle bot before the burst) / runs. The baseline
 * for the wall time is one run alone through the same bot, in the same process, before the burst.
 *
 * Run alone: `npx tsx bench/many-runs.ts` (or all benches: `npm run bench`).
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import nock from "nock";
import { createRunSlots } from "../src/limits/run-slots.js";
import { stopEmbeddedEngine } from "../src/runtime/engine.js";
import { startAppHarness, type AppHarness } from "../test/helpers/app-harness.js";
import { peakConcurrency, sharedConcurrencyLog } from "../test/helpers/concurrency-log.js";
import { fakeGitHub } from "../test/helpers/fake-github-nock.js";
import { createBareRemote } from "../test/helpers/git-remote.js";
import { calcIssueLabeledPayload } from "../test/helpers/payloads.js";
import { bounded, enginesLeftUnder, enginesUnder, loadLine, ms, onInterrupt, ratio, runAsMain, sleep, type BenchResult } from "./lib.js";
import { rssOf } from "./rss.js";

const ROOT = join(import.meta.dirname, "..");
const AGENT = join(ROOT, "fixtures", "agents", "fix-calc-counted.sh");
const CALC = join(ROOT, "fixtures", "repos", "calc");
const OWNER = "acme";
const REPO = "calc-many";
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const LIMIT = Number(process.env.BENCH_RUN_LIMIT ?? 4);
const LOG_VAR = "FIXBOT_CONCURRENCY_LOG";
const ADMIT_TIMEOUT_MS = Number(process.env.BENCH_ADMIT_TIMEOUT_S ?? 900) * 1000;
const MB = 1024 ** 2;

async function run(): Promise<BenchResult> {
  let dataDir: string | undefined;
  try {
    const result = await runMany((dir) => (dataDir = dir));
    return { ...result, leftoverEngines: dataDir ? await enginesLeftUnder(dataDir) : [] };
  } finally {
    const left = dataDir ? await enginesLeftUnder(dataDir) : [];
    console.log(left.length === 0 ? "engine process gone: yes" : `engine process STILL RUNNING: pid ${left.join(", ")}`);
  }
}

async function runMany(started: (dataDir: string) => void): Promise<BenchResult> {
  console.log(`\n== many runs: ${RUNS} labelled issues at once, FIXBOT_MAX_CONCURRENT_RUNS=${LIMIT} ==`);
  console.log(loadLine());
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  const slots = createRunSlots({ runs: LIMIT });
  const harness: AppHarness = await startAppHarness({ slots });
  started(harness.dataDir);
  const engineDir = join(harness.dataDir, "engine");
  const unregister = onInterrupt(() => stopEmbeddedEngine(engineDir));
  const remote = await createBareRemote({ fixture: CALC });
  const fake = fakeGitHub({
    owner: OWNER,
    repo: REPO,
    configYaml: `agent:\n  command: ${JSON.stringify(AGENT)}\n  passEnv: [${LOG_VAR}]\n`,
    roles: { alice: "write" },
  });
  const work = await mkdtemp(join(harness.sharedDir, "many-"));
  await chmod(work, 0o777);
  const log = await sharedConcurrencyLog(work, "concurrency.log");
  process.env[LOG_VAR] = log;
  let peakRss = 0;
  const sampleRss = async () => {
    const engines = await enginesUnder(harness.dataDir);
    const rss = process.memoryUsage().rss + (await Promise.all(engines.map(rssOf))).reduce((a, b) => a + b, 0);
    peakRss = Math.max(peakRss, rss);
    return rss;
  };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await sampleRss();
      await sleep(250);
    }
  })();
  const label = (number: number) =>
    harness.probot.receive({
      id: `many-${number}`,
      name: "issues",
      payload: calcIssueLabeledPayload({ owner: OWNER, repo: REPO, number, label: "fixbot", senderLogin: "alice", cloneUrl: remote.url }),
    } as never);
  try {
    // Baseline: one run alone (also warms the installation token, the mirror and the engine).
    await writeFile(`${log}.release`, "");
    let t = performance.now();
    await label(1000);
    const [alone] = await harness.waitForRuns(`${OWNER}/${REPO}`, 1000, 1, 300_000);
    const aloneMs = performance.now() - t;
    if (alone?.status !== "fixed") throw new Error(`the baseline run ended ${alone?.status}`);
    await rm(`${log}.release`);
    await writeFile(log, "");
    global.gc?.();
    await sleep(1000);
    const idleRss = await sampleRss();
    peakRss = idleRss;

    const issues = Array.from({ length: RUNS }, (_, i) => i + 1);
    t = performance.now();
    await Promise.all(issues.map(label));
    const acked = performance.now() - t;
    // Held: LIMIT agents running, every other run admitted and waiting in line for a slot. Progress is printed
    // every 30 s; past the deadline the agents are released anyway (the figures then say how many got there).
    const admitted = () => slots.counts().runs + slots.counts().waiting;
    const deadline = Date.now() + ADMIT_TIMEOUT_MS;
    let nextReport = Date.now() + 30_000;
    while ((slots.counts().runs < LIMIT || admitted() < RUNS) && Date.now() < deadline) {
      if (Date.now() > nextReport) {
        console.log(
          `  ${((performance.now() - t) / 1000).toFixed(0)} s: ${admitted()}/${RUNS} runs at their agent step (${slots.counts().runs} running); ${loadLine()}`,
        );
        nextReport += 30_000;
      }
      await sleep(250);
    }
    const admittedInTime = admitted();
    if (admittedInTime < RUNS)
      console.log(`NOT all admitted within ${ADMIT_TIMEOUT_MS / 1000} s: ${admittedInTime}/${RUNS}; releasing the agents anyway`);
    const heldMs = performance.now() - t;
    await sleep(1000);
    const heldRss = await sampleRss();
    await writeFile(`${log}.release`, "");
    const runs = await Promise.all(issues.map((n) => harness.waitForRuns(`${OWNER}/${REPO}`, n, 1, 1_200_000)));
    const wall = performance.now() - t;
    sampling = false;
    await sampler;

    const statuses = runs.map((r) => r[0]?.status);
    const notFixed = issues.filter((_, i) => statuses[i] !== "fixed");
    const heads = fake.state.pulls
      .map((p) => p.head)
      .filter((h) => h !== "fixbot/issue-1000")
      .sort();
    const prPosts = fake.state.writes.filter((w) => w.method === "POST" && /\/pulls$/.test(w.path)).length - 1;
    const agents = peakConcurrency(await readFile(log, "utf8"));
    const problems = [
      notFixed.length > 0 ? `not fixed: ${notFixed.map((n) => `#${n} (${statuses[n - 1]})`).join(", ")}` : "",
      heads.join() !==
      issues
        .map((n) => `fixbot/issue-${n}`)
        .sort()
        .join()
        ? `PR heads ${heads.length}: not one per issue`
        : "",
      prPosts !== RUNS ? `${prPosts} PR creations for ${RUNS} issues` : "",
      agents.starts !== RUNS ? `${agents.starts} agent starts for ${RUNS} issues` : "",
      agents.peak > LIMIT ? `${agents.peak} agents at once, limit ${LIMIT}` : "",
    ].filter(Boolean);
    const perIdle = (heldRss - idleRss) / RUNS;
    console.log(loadLine());
    console.log(
      `one run alone: ${ms(aloneMs)}; ${RUNS} deliveries answered in ${ms(acked)}; ${admittedInTime}/${RUNS} runs at their agent step (${LIMIT} running, the rest waiting) after ${ms(heldMs)}`,
    );
    console.log(
      `wall time for ${RUNS} runs: ${ms(wall)} (${(wall / aloneMs).toFixed(1)}x one run alone; ${RUNS}/${LIMIT} = ${(RUNS / LIMIT).toFixed(1)} rounds of the limit); agents at once: peak ${agents.peak} (limit ${LIMIT})`,
    );
    console.log(
      `memory (bot + engine RSS): idle ${(idleRss / MB).toFixed(0)} MB, all ${RUNS} runs admitted ${(heldRss / MB).toFixed(0)} MB, peak ${(peakRss / MB).toFixed(0)} MB; per idle run ${(perIdle / MB).toFixed(2)} MB`,
    );
    console.log(
      `fixed ${RUNS - notFixed.length}/${RUNS}, PRs ${heads.length}, PR creations ${prPosts}, agent starts ${agents.starts}: ${problems.length === 0 ? "none lost, none twice" : `PROBLEMS: ${problems.join("; ")}`}`,
    );
    if (problems.length > 0) throw new Error(problems.join("; "));
    return {
      name: "many-runs",
      rows: [
        {
          bench: "many-runs",
          figure: `${RUNS} runs, limit ${LIMIT}: wall time vs one run alone`,
          measured: ms(wall),
          baseline: ms(aloneMs),
          ratio: ratio(wall / aloneMs),
        },
        {
          bench: "many-runs",
          figure: "peak RSS bot + engine vs idle bot",
          measured: `${(peakRss / MB).toFixed(0)} MB`,
          baseline: `${(idleRss / MB).toFixed(0)} MB`,
          ratio: ratio(peakRss / idleRss),
        },
        {
          bench: "many-runs",
          figure: "memory per idle (waiting) run",
          measured: `${(perIdle / MB).toFixed(2)} MB`,
          baseline: "-",
          ratio: "-",
        },
      ],
      raw: { wall, aloneMs, acked, heldMs, admittedInTime, idleRss, heldRss, peakRss },
      leftoverEngines: [],
    };
  } finally {
    sampling = false;
    await writeFile(`${log}.release`, "").catch(() => undefined); // no held agent outlives the bench
    delete process.env[LOG_VAR];
    fake.stop();
    await bounded(harness.stop(), 60_000, "stopping the bot");
    // Whatever the harness did, the engine must not outlive the bench.
    await stopEmbeddedEngine(engineDir);
    unregister();
    await remote.cleanup();
    nock.enableNetConnect();
  }
}

runAsMain(run);
