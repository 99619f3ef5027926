/**
 * Drain: how fast a real fixbot process is done with an org's ordinary webhook stream. 2,000 signed
 * `issues.labeled` deliveries at 200/s (open loop, over 20 issues of one repository) with a label that is not the
 * configured one: none can start a run. Measured: the time from the last answer until every delivery is settled
 * (the inbox journal holds nothing pending), and that none was lost (every answer 2xx, every delivery settled).
 *
 * Baseline, same run, same stream, same machine: the same bot with FIXBOT_RELEVANCE_FILTER=off, i.e. fixbot
 * before the filter: every delivery becomes an actor job that reads the config and ends "ignored". It is given
 * BENCH_DRAIN_BASELINE_SECONDS (default 60) after the stream's end; the runs finished by then ("run finished" in
 * its log) give its rate. Both bots first get 20 warm-up deliveries (one per issue), waited for, not counted: the
 * filter's config cache and the baseline's actors are warm, as in a steady stream.
 *
 * Run alone: `npx tsx bench/drain.ts` (or all benches: `npm run bench`). BENCH_KEEP=1 keeps the logs.
 */
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  enginesUsing,
  signWebhook,
  startReadyBot,
  stopEngine,
  TEST_WEBHOOK_SECRET,
  WEBHOOK_PATH,
  type BotProcess,
} from "../test/helpers/bot-process.js";
import { startFakeGitHub, type FakeGitHubServer } from "../test/helpers/fake-github-server.js";
import { issuesLabeledPayload } from "../test/helpers/payloads.js";
import { readJournal } from "../src/inbox/inbox-journal.js";
import { isEntryPoint, loadLine, ms, onInterrupt, ratio, runAsMain, sleep, tearDownBench, type BenchResult } from "./lib.js";

const OWNER = "acme";
const REPO = "calc-drain";
const DELIVERIES = 2_000;
const ISSUES = 20;
const INTERVAL_MS = 5;
const REPLICA = "drain";
/** How long after the stream the filtered bot may take before the bench stops waiting (goal: 30 s). */
const DRAIN_LIMIT_MS = 120_000;
const BASELINE_MS = (Number(process.env.BENCH_DRAIN_BASELINE_SECONDS) || 60) * 1000;

interface Delivery {
  id: string;
  body: string;
  signature: string;
}

function buildDeliveries(prefix: string, count: number): Delivery[] {
  const bodies = Array.from({ length: ISSUES }, (_, i) => {
    const payload = issuesLabeledPayload({
      owner: OWNER,
      repo: REPO,
      number: i + 1,
      label: "triage-me",
      senderLogin: "alice",
      title: `drain issue ${i + 1}`,
      body: "An issue of the drain bench.",
      cloneUrl: "file:///nonexistent/fixbot-drain.git",
      defaultBranch: "main",
      installationId: 1,
    });
    const body = JSON.stringify(payload);
    return { body, signature: signWebhook(body, TEST_WEBHOOK_SECRET) };
  });
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}-${randomUUID()}`, ...bodies[i % ISSUES]! }));
}

async function post(url: string, d: Delivery): Promise<number> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-github-delivery": d.id,
        "x-github-hook-id": "1",
        "x-hub-signature-256": d.signature,
      },
      body: d.body,
      signal: AbortSignal.timeout(30_000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** Open loop at 200/s: delivery i leaves at t0 + i * 5 ms. Returns the 2xx count and when the last answer came. */
async function stream(url: string, deliveries: Delivery[]): Promise<{ ok: number; startedAt: number; endedAt: number }> {
  const t0 = performance.now() + 10;
  let ok = 0;
  let endedAt = 0;
  const inFlight: Array<Promise<void>> = [];
  for (const [i, d] of deliveries.entries()) {
    const wait = t0 + i * INTERVAL_MS - performance.now();
    if (wait > 0.5) await sleep(wait);
    inFlight.push(
      post(url, d).then((status) => {
        if (status >= 200 && status < 300) ok++;
        endedAt = Math.max(endedAt, performance.now());
      }),
    );
  }
  await Promise.all(inFlight);
  return { ok, startedAt: t0, endedAt };
}

/**
 * Sums a count over the bot's JSON log lines with this message (`count` field, else 1 per line) whose delivery id
 * starts with `prefix` (a batch line names its first delivery; warm-up and measured deliveries never share one).
 */
async function logCount(bot: BotProcess, msg: string, prefix = ""): Promise<number> {
  let n = 0;
  for (const line of (await bot.log()).split("\n")) {
    if (!line.includes(`"msg":"${msg}"`) || !(/"deliveryId":"([^"]*)"/.exec(line)?.[1] ?? "").startsWith(prefix)) continue;
    n += Number(/"count":(\d+)/.exec(line)?.[1] ?? 1);
  }
  return n;
}

async function pending(dataDir: string): Promise<number> {
  return (await readJournal(join(dataDir, "inbox", REPLICA))).pending.length;
}

async function waitFor(check: () => Promise<boolean>, limitMs: number): Promise<boolean> {
  const deadline = performance.now() + limitMs;
  while (!(await check())) {
    if (performance.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

interface Phase {
  ok: number;
  streamMs: number;
  /** Stream end -> all done (NaN when not all were done within the limit). */
  drainMs: number;
  /** Deliveries done (settled, or runs finished) when the bench stopped waiting. */
  done: number;
  waitedMs: number;
  actorHandOvers: number;
  configRequests: number;
}

async function runPhase(
  fake: FakeGitHubServer,
  dataDir: string,
  filter: "on" | "off",
  register: (bot: BotProcess) => void,
): Promise<Phase> {
  await mkdir(dataDir, { recursive: true });
  const bot = await startReadyBot(
    { fakeGitHub: fake, dataDir, env: { FIXBOT_RELEVANCE_FILTER: filter, FIXBOT_REPLICA_ID: REPLICA } },
    { readyTimeoutMs: 90_000, onRetry: (e) => console.warn(`bot start failed, retrying once: ${e.message}`) },
  );
  register(bot);
  const url = `${bot.url}${WEBHOOK_PATH}`;
  const doneMsg = filter === "on" ? "webhooks settled at the intake, no actor needed" : "run finished";
  await stream(url, buildDeliveries(`warmup-${filter}`, ISSUES));
  if (!(await waitFor(async () => (await logCount(bot, doneMsg, "warmup-")) >= ISSUES, 90_000)))
    console.warn("  warm-up deliveries not all done after 90 s; going on");
  const requestsBefore = fake.state.requests.length;
  const result = await stream(url, buildDeliveries(filter, DELIVERIES));
  const limit = filter === "on" ? DRAIN_LIMIT_MS : BASELINE_MS;
  const doneCount = () => logCount(bot, doneMsg, `${filter}-`);
  const allDone = await waitFor(async () => (filter === "on" ? (await pending(dataDir)) === 0 : (await doneCount()) >= DELIVERIES), limit);
  const waitedMs = performance.now() - result.endedAt;
  return {
    ok: result.ok,
    streamMs: result.endedAt - result.startedAt,
    drainMs: allDone ? waitedMs : Number.NaN,
    done: await doneCount(),
    waitedMs,
    actorHandOvers: await logCount(bot, "webhooks handed to their actor", `${filter}-`),
    configRequests: fake.state.requests.slice(requestsBefore).filter((r) => r.path.includes("/contents/")).length,
  };
}

export async function runDrain(): Promise<BenchResult> {
  console.log(
    `\n== drain: ${DELIVERIES} irrelevant signed deliveries at ${1000 / INTERVAL_MS}/s over ${ISSUES} issues, relevance filter on vs off ==`,
  );
  console.log(loadLine());
  const root = await mkdtemp(join(tmpdir(), "fixbot-bench-drain-"));
  const dirs = { on: join(root, "on"), off: join(root, "off") };
  const bots: BotProcess[] = [];
  let fake: FakeGitHubServer | undefined;
  const stopBots = async () => {
    for (const bot of bots.splice(0)) {
      await bot.kill("SIGKILL", { descendants: true });
      await bot.killOrphans();
    }
    for (const dir of Object.values(dirs)) {
      await stopEngine(dir);
      // A SIGKILLed engine can take a moment to be gone from /proc on a loaded machine.
      await waitFor(async () => (await enginesUsing(dir)).length === 0, 10_000);
    }
  };
  const cleanup = async () => {
    await stopBots();
    await fake?.stop();
    if (process.env.BENCH_KEEP === "1") console.log(`kept ${root}`);
    else await rm(root, { recursive: true, force: true });
  };
  const unregister = onInterrupt(cleanup);
  let result: Omit<BenchResult, "leftoverEngines"> | undefined;
  let leftoverEngines: number[];
  try {
    fake = await startFakeGitHub({ repos: { [REPO]: { owner: OWNER, roles: { alice: "write" }, configYaml: "label: fixbot\n" } } });
    const on = await runPhase(fake, dirs.on, "on", (b) => bots.push(b));
    await stopBots();
    const perSecond = (p: Phase) => (1000 * p.done) / (p.streamMs + p.waitedMs);
    console.log(
      `filter on: 2xx ${on.ok}/${DELIVERIES}; stream ${ms(on.streamMs)}; ` +
        (Number.isNaN(on.drainMs)
          ? `NOT all settled ${ms(on.waitedMs)} after the stream (${on.done} settled)`
          : `all ${on.done} settled ${ms(on.drainMs)} after the last answer`) +
        `; ${perSecond(on).toFixed(0)}/s over stream + drain; hand-overs to actors: ${on.actorHandOvers}; config requests to GitHub: ${on.configRequests}`,
    );
    const off = await runPhase(fake, dirs.off, "off", (b) => bots.push(b));
    await stopBots();
    const offAfter = off.waitedMs > 0 ? (1000 * off.done) / off.waitedMs : Number.NaN;
    console.log(
      `filter off (baseline): 2xx ${off.ok}/${DELIVERIES}; ${off.done}/${DELIVERIES} runs finished ${ms(off.waitedMs)} after the stream; ${perSecond(off).toFixed(1)}/s over stream + wait ` +
        `(${offAfter.toFixed(1)}/s after the stream: all of them would take ~${(DELIVERIES / offAfter).toFixed(0)} s); config requests: ${off.configRequests}`,
    );
    const lost = DELIVERIES - Math.min(on.ok, on.done);
    console.log(`lost with the filter on: ${lost}; ${loadLine()}`);
    result = {
      name: "drain",
      rows: [
        {
          bench: "drain",
          figure: "all settled after stream end",
          measured: Number.isNaN(on.drainMs) ? `NOT (${on.done}/${DELIVERIES})` : ms(on.drainMs),
          baseline: `${off.done}/${DELIVERIES} in ${(off.waitedMs / 1000).toFixed(0)} s`,
          ratio: "",
        },
        {
          bench: "drain",
          figure: "deliveries/s (stream + drain)",
          measured: perSecond(on).toFixed(0),
          baseline: perSecond(off).toFixed(1),
          ratio: ratio(perSecond(on) / perSecond(off)),
        },
        {
          bench: "drain",
          figure: "lost / actor hand-overs (filter on)",
          measured: `${lost} / ${on.actorHandOvers}`,
          baseline: "",
          ratio: "",
        },
      ],
      raw: {
        onDrainMs: on.drainMs,
        onSettled: on.done,
        onOk: on.ok,
        onStreamMs: on.streamMs,
        onConfigRequests: on.configRequests,
        offDone: off.done,
        offWaitedMs: off.waitedMs,
        offOk: off.ok,
        onPerSecond: perSecond(on),
        offPerSecond: perSecond(off),
        lost,
      },
    };
  } finally {
    leftoverEngines = await tearDownBench({ root, cleanup, unregister, what: "bots, engines, fake GitHub" });
  }
  return { ...result!, leftoverEngines };
}

if (isEntryPoint(import.meta.url)) runAsMain(runDrain);
