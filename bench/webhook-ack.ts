/**
 * Webhook acknowledgement latency under a steady stream of deliveries: a REAL fixbot process (durable inbox:
 * every delivery is fsync'd before GitHub is answered, then handed to its actor in the background) against a
 * plain Probot server whose `issues.labeled` handler does nothing, both fed the same signed deliveries at the
 * same fixed rate in the same run.
 *
 * Open loop: delivery i is sent at t0 + i * 5 ms (200/s) whether or not earlier ones were answered, over
 * keep-alive HTTP (the global fetch). Each request's own latency is timed, from the fetch call to the end of
 * the answer's body. 2,000 `issues.labeled` deliveries, unique delivery ids, spread over 20 issues of one
 * repository whose config makes every job cheap: the label sent ("triage-me") is not the configured one
 * ("fixbot"), so each run is ignored after check-request and nothing is cloned. 20 warm-up deliveries (one per
 * issue, same rate) are sent first and not counted.
 *
 * Diagnostic, same stream: the plain server with fixbot's own inbox in its handler (src/inbox/inbox.ts, the
 * hand-over a no-op): the durable write's cost without the engine and actors behind it.
 *
 * "None lost": every delivery must be answered 2xx, and after the stream the bench waits (at most 5 min, or
 * BENCH_ACK_DRAIN_MINUTES) until the bot's inbox journal (`<dataDir>/inbox`) holds nothing pending, i.e. every accepted
 * delivery was handed to its actor. It then counts the repository-config reads the fake GitHub served: one per
 * job that reached check-request. BENCH_KEEP=1 keeps the temporary directory (logs).
 *
 * Run alone: `npx tsx bench/webhook-ack.ts` (or all benches: `npm run bench`).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { generatePrivateKey } from "../test/helpers/app-key.js";
import {
  enginePid,
  freePort,
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
import {
  bounded,
  isEntryPoint,
  loadLine,
  max,
  median,
  ms,
  onInterrupt,
  ratio,
  runAsMain,
  sleep,
  tearDownBench,
  type BenchResult,
} from "./lib.js";

const ROOT = join(import.meta.dirname, "..");
const OWNER = "acme";
const REPO = "calc-ack";
const DELIVERIES = 2_000;
const WARMUP = 20;
const ISSUES = 20;
const INTERVAL_MS = 5;
/** How long the bench waits for the inbox to empty: 5 min, or BENCH_ACK_DRAIN_MINUTES. */
const DRAIN_TIMEOUT_MS = (Number(process.env.BENCH_ACK_DRAIN_MINUTES) || 5) * 60_000;
/** After the inbox is empty: how long the bench waits (at most) for the jobs to reach check-request. */
const JOBS_TIMEOUT_MS = 3 * 60_000;

export interface Delivery {
  id: string;
  body: string;
  signature: string;
  /** X-GitHub-Event (default "issues"). */
  event?: string;
}

export interface Sample {
  status: number;
  /** Request start -> answer body read (ms). */
  latency: number;
  /** How late the request left compared with its slot t0 + i * 5 ms (ms). */
  lag: number;
  error?: string;
}

export interface StreamResult {
  samples: Sample[];
  /** First send -> last answer (ms). */
  wallMs: number;
  /** performance.now() when the last answer arrived. */
  endedAt: number;
}

/** Signed deliveries, issue numbers 1..20 in turn, unique delivery ids; bodies and signatures computed up front. */
function buildDeliveries(prefix: string, count: number): Delivery[] {
  const bodies = Array.from({ length: ISSUES }, (_, i) => {
    const payload = issuesLabeledPayload({
      owner: OWNER,
      repo: REPO,
      number: i + 1,
      label: "triage-me",
      senderLogin: "alice",
      title: `bench issue ${i + 1}`,
      body: "A webhook-ack bench issue.",
      // Never cloned (the run is ignored at check-request); a path that does not exist fails fast if it ever were.
      cloneUrl: "file:///nonexistent/fixbot-webhook-ack.git",
      defaultBranch: "main",
      installationId: 1,
    });
    const body = JSON.stringify(payload);
    return { body, signature: signWebhook(body, TEST_WEBHOOK_SECRET) };
  });
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}-${randomUUID()}`, ...bodies[i % ISSUES]! }));
}

export async function post(url: string, d: Delivery): Promise<{ status: number; error?: string }> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/fixbot-bench",
        "x-github-event": d.event ?? "issues",
        "x-github-delivery": d.id,
        "x-github-hook-id": "1",
        "x-github-hook-installation-target-type": "integration",
        "x-github-hook-installation-target-id": "1",
        "x-hub-signature-256": d.signature,
      },
      body: d.body,
      signal: AbortSignal.timeout(30_000),
    });
    await res.arrayBuffer();
    return { status: res.status };
  } catch (error) {
    return {
      status: 0,
      error: error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ""}` : String(error),
    };
  }
}

/** Open loop: request i leaves at t0 + i * INTERVAL_MS, never waiting for earlier answers. */
async function stream(url: string, deliveries: Delivery[]): Promise<StreamResult> {
  const samples: Sample[] = new Array(deliveries.length);
  const inFlight: Array<Promise<void>> = [];
  let endedAt = 0;
  const t0 = performance.now() + 10;
  for (const [i, d] of deliveries.entries()) {
    const due = t0 + i * INTERVAL_MS;
    const wait = due - performance.now();
    if (wait > 0.5) await sleep(wait);
    const started = performance.now();
    inFlight.push(
      post(url, d).then((r) => {
        const now = performance.now();
        endedAt = Math.max(endedAt, now);
        samples[i] = { status: r.status, latency: now - started, lag: started - due, error: r.error };
      }),
    );
  }
  await Promise.all(inFlight);
  return { samples, wallMs: endedAt - t0, endedAt };
}

/** Nearest-rank percentile of finite values. */
function percentile(values: number[], p: number): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export interface StreamSummary {
  p50: number;
  p99: number;
  max: number;
  ok: number;
  statuses: Record<string, number>;
  maxLag: number;
  wallMs: number;
  errors: string[];
}

export function summarize(result: StreamResult): StreamSummary {
  const latencies = result.samples.map((s) => s.latency);
  const statuses: Record<string, number> = {};
  for (const s of result.samples) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: max(latencies),
    ok: result.samples.filter((s) => s.status >= 200 && s.status < 300).length,
    statuses,
    maxLag: max(result.samples.map((s) => s.lag)),
    wallMs: result.wallMs,
    errors: [...new Set(result.samples.filter((s) => s.error).map((s) => s.error!))].slice(0, 3),
  };
}

export function printStream(label: string, s: StreamSummary, count: number): void {
  console.log(
    `  ${label}: p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, max ${ms(s.max)}; 2xx ${s.ok}/${count} (statuses ${JSON.stringify(s.statuses)}); ` +
      `sent over ${(s.wallMs / 1000).toFixed(2)} s, sender max lag ${ms(s.maxLag)}`,
  );
  for (const e of s.errors) console.log(`    error: ${e}`);
}

/** The environment for the baseline child: the bench's own, minus anything that would configure Probot differently. */
function plainEnv(port: number, privateKey: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      /^(APP_ID|PRIVATE_KEY|PRIVATE_KEY_PATH|WEBHOOK_SECRET|WEBHOOK_PATH|WEBHOOK_PROXY_URL|GHE_HOST|GHE_PROTOCOL|PORT|HOST|LOG_.*|REDIS_URL|SENTRY_DSN|NODE_OPTIONS|FIXBOT_.*|RIVET.*|BENCH_RESULT_FILE)$/.test(
        k,
      )
    )
      continue;
    env[k] = v;
  }
  // The logger settings fixbot runs with in the harness (test/helpers/bot-process.ts): each request is logged.
  return {
    ...env,
    PORT: String(port),
    APP_ID: "1",
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    LOG_LEVEL: "info",
    LOG_FORMAT: "json",
    NODE_ENV: "test",
  };
}

export async function startPlainServer(
  dir: string,
  inboxDir?: string,
): Promise<{ child: ChildProcess; url: string; exited: Promise<void> }> {
  const port = await freePort();
  const logFile = join(dir, inboxDir ? "plain-probot-inbox.log" : "plain-probot.log");
  const env = plainEnv(port, generatePrivateKey());
  if (inboxDir) env.PLAIN_INBOX_DIR = inboxDir;
  if (inboxDir && process.env.FIXBOT_INBOX_SYNC) env.FIXBOT_INBOX_SYNC = process.env.FIXBOT_INBOX_SYNC;
  const fd = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench", "plain-probot-server.ts")], {
      cwd: ROOT,
      env,
      stdio: ["ignore", fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  let gone = false;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      gone = true;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}${WEBHOOK_PATH}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (gone) throw new Error(`the plain Probot server exited before it was ready:\n${await readFile(logFile, "utf8").catch(() => "")}`);
    try {
      await fetch(url, { method: "POST", body: "", signal: AbortSignal.timeout(1000) });
      return { child, url, exited };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error("the plain Probot server was not ready after 60 s");
    await sleep(100);
  }
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; NaN when it is gone. */
export async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  if (!stat) return Number.NaN;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Accepted deliveries still waiting in the bot's inbox (its journal: accepted minus handed on), and unreadable lines. */
async function inboxCount(dir: string): Promise<{ waiting: number; bad: number }> {
  const replay = await readJournal(dir);
  return { waiting: replay.pending.length, bad: replay.unreadable };
}

/** Repository-config reads the fake served for the bench repository (one per job that reached check-request). */
function configReads(fake: FakeGitHubServer): number {
  return fake.state.requests.filter(
    (r) =>
      r.method === "GET" &&
      r.status === 200 &&
      r.path.startsWith(`/repos/${OWNER}/${REPO}/contents/`) &&
      decodeURIComponent(r.path).endsWith("fixbot.yml"),
  ).length;
}

export async function runWebhookAck(): Promise<BenchResult> {
  console.log(
    `\n== webhook-ack: ack latency at ${1000 / INTERVAL_MS} deliveries/s, ${DELIVERIES} signed deliveries, real fixbot process vs a plain Probot server ==`,
  );
  console.log(loadLine());
  const root = await mkdtemp(join(tmpdir(), "fixbot-bench-ack-"));
  const dataDir = join(root, "data");
  await mkdir(dataDir, { recursive: true });
  let fake: FakeGitHubServer | undefined;
  const plainServers: Array<Awaited<ReturnType<typeof startPlainServer>>> = [];
  let bot: BotProcess | undefined;
  const cleanup = async () => {
    for (const plain of plainServers) {
      if (plain.child.exitCode !== null || plain.child.signalCode !== null) continue;
      plain.child.kill("SIGKILL");
      await bounded(plain.exited, 5_000, "plain Probot server exit");
    }
    if (bot) {
      await bot.kill("SIGKILL", { descendants: true });
      await bot.killOrphans();
    }
    await stopEngine(dataDir);
    await fake?.stop();
    // BENCH_KEEP=1 keeps the logs (bot, engine, plain server) for a look; the processes are stopped either way.
    if (process.env.BENCH_KEEP === "1") console.log(`kept ${root}`);
    else await rm(root, { recursive: true, force: true });
  };
  const unregister = onInterrupt(cleanup);
  let result: Omit<BenchResult, "leftoverEngines"> | undefined;
  let leftoverEngines: number[] = [];
  try {
    fake = await startFakeGitHub({ repos: { [REPO]: { owner: OWNER, roles: { alice: "write" }, configYaml: "label: fixbot\n" } } });

    // Baseline first, on a machine without the bot and its engine running; then the diagnostic (the same plain
    // server with fixbot's inbox in its handler, nothing behind the inbox).
    const runPlain = async (label: string, inboxDir?: string) => {
      const plain = await startPlainServer(root, inboxDir);
      plainServers.push(plain);
      await stream(plain.url, buildDeliveries(`${label}-warmup`, WARMUP));
      const cpu0 = await cpuSeconds(plain.child.pid);
      const summary = summarize(await stream(plain.url, buildDeliveries(label, DELIVERIES)));
      const cpu = (await cpuSeconds(plain.child.pid)) - cpu0;
      plain.child.kill("SIGTERM");
      await bounded(plain.exited, 10_000, "plain Probot server exit");
      return { summary, cpu };
    };
    const { summary: plainRun, cpu: plainCpu } = await runPlain("plain");
    const diagInbox = join(root, "plain-inbox");
    const { summary: inboxRun, cpu: inboxCpu } = await runPlain("plain-inbox", diagInbox);
    const diagLeft = (await inboxCount(diagInbox)).waiting;

    const botStart = performance.now();
    // FIXBOT_INBOX_SYNC=none in the bench's environment: the bot (and the diagnostic) record without fdatasync.
    const inboxSync = process.env.FIXBOT_INBOX_SYNC;
    // The relevance filter off: this bench measures the answers with actor work behind them (bench/drain.ts: with it).
    bot = await startReadyBot(
      { fakeGitHub: fake, dataDir, env: { FIXBOT_RELEVANCE_FILTER: "off", ...(inboxSync ? { FIXBOT_INBOX_SYNC: inboxSync } : {}) } },
      { readyTimeoutMs: 90_000, onRetry: (e) => console.warn(`bot start failed, retrying once: ${e.message}`) },
    );
    const inboxDir = join(dataDir, "inbox");
    console.log(`fixbot ready in ${ms(performance.now() - botStart)} (pid ${bot.pid}, engine port ${bot.enginePort})`);
    await sleep(2_000);
    const botUrl = `${bot.url}${WEBHOOK_PATH}`;
    const warm = summarize(await stream(botUrl, buildDeliveries("fixbot-warmup", WARMUP)));
    const engine = await enginePid(dataDir);
    const [botCpu0, engineCpu0] = [await cpuSeconds(bot.pid), await cpuSeconds(engine)];
    const botStream = await stream(botUrl, buildDeliveries("fixbot", DELIVERIES));
    const [botCpu, engineCpu] = [(await cpuSeconds(bot.pid)) - botCpu0, (await cpuSeconds(engine)) - engineCpu0];
    const botRun = summarize(botStream);
    const accepted = warm.ok + botRun.ok;
    const atEnd = await inboxCount(inboxDir);

    console.log(`ack latency (request start -> answer read), open loop, ${DELIVERIES} deliveries (+${WARMUP} warm-up each, not counted):`);
    printStream("plain Probot  ", plainRun, DELIVERIES);
    printStream("fixbot (inbox)", botRun, DELIVERIES);
    printStream("diagnostic: plain Probot + fixbot's inbox, no engine", inboxRun, DELIVERIES);
    if (diagLeft > 0)
      console.log(`    (diagnostic inbox: ${diagLeft} deliveries still waiting for its no-op hand-over when the server was stopped)`);
    const r50 = botRun.p50 / plainRun.p50;
    const r99 = botRun.p99 / plainRun.p99;
    console.log(
      `  CPU used while the measured stream ran: plain Probot ${plainCpu.toFixed(2)} s over ${(plainRun.wallMs / 1000).toFixed(1)} s; plain + inbox ${inboxCpu.toFixed(2)} s; fixbot ${botCpu.toFixed(2)} s + its engine ${engineCpu.toFixed(2)} s over ${(botRun.wallMs / 1000).toFixed(1)} s`,
    );
    console.log(`ratio fixbot / plain: p50 ${ratio(r50)}, p99 ${ratio(r99)}, max ${ratio(botRun.max / plainRun.max)}   (goal: <= 1.5)`);
    console.log(
      `(diagnostic) ratio plain + inbox / plain: p50 ${ratio(inboxRun.p50 / plainRun.p50)}, p99 ${ratio(inboxRun.p99 / plainRun.p99)}: the inbox write itself, without the engine work`,
    );

    // None lost: every accepted delivery leaves the inbox once its actor has it.
    console.log(
      `fixbot accepted ${accepted} deliveries (${botRun.ok} measured + ${warm.ok} warm-up); ${atEnd.waiting} still in the inbox when the last answer arrived`,
    );
    let left = atEnd;
    const drainDeadline = Date.now() + DRAIN_TIMEOUT_MS;
    let nextProgress = Date.now() + 30_000;
    while (left.waiting > 0 && Date.now() < drainDeadline) {
      await sleep(250);
      left = await inboxCount(inboxDir);
      if (Date.now() >= nextProgress) {
        nextProgress += 30_000;
        const elapsed = performance.now() - botStream.endedAt;
        console.log(
          `  ... ${(elapsed / 1000).toFixed(0)} s after the last answer: ${left.waiting} still in the inbox, ${configReads(fake)} config reads; ${loadLine()}`,
        );
      }
    }
    const drainMs = performance.now() - botStream.endedAt;
    const handedOn = accepted - left.waiting;
    /** Hand-overs per second after the stream (the inbox empties at this pace). */
    const drainRate = (atEnd.waiting - left.waiting) / (drainMs / 1000);
    const readsAtDrain = configReads(fake);
    console.log(
      left.waiting === 0
        ? `inbox drained ${ms(drainMs)} after the last answer: ${handedOn}/${accepted} handed to their actors${left.bad ? `, ${left.bad} unreadable journal lines` : ""}`
        : `inbox NOT drained after ${ms(drainMs)}: ${left.waiting} deliveries still waiting, ${handedOn}/${accepted} handed on ` +
            `(${drainRate.toFixed(2)} hand-overs/s after the stream: about ${(left.waiting / drainRate / 60).toFixed(0)} min more at that pace)`,
    );
    console.log(
      `hand-overs per second after the stream: ${drainRate.toFixed(2)} (at most 8 actors at once, up to 100 deliveries per call)`,
    );
    const log = await bot.log();
    const retries = log.split("\n").filter((l) => l.includes("could not hand a webhook to the engine yet")).length;
    console.log(`hand-over retries logged by the inbox: ${retries}`);

    // Jobs actually ran: each one reads the repository config in check-request (then is ignored: wrong label).
    console.log(
      `repository-config reads served by the fake ${left.waiting === 0 ? "when the inbox was empty" : "when the bench stopped waiting"}: ${readsAtDrain}/${accepted}`,
    );
    const jobsStarted = performance.now();
    const jobsDeadline = Date.now() + JOBS_TIMEOUT_MS;
    let reads = readsAtDrain;
    let lastChange = Date.now();
    while (left.waiting === 0 && reads < accepted && Date.now() < jobsDeadline && Date.now() - lastChange < 30_000) {
      await sleep(250);
      const now = configReads(fake);
      if (now !== reads) lastChange = Date.now();
      reads = now;
    }
    const jobsMs = performance.now() - botStream.endedAt;
    console.log(
      reads >= accepted
        ? `every job reached check-request ${ms(jobsMs)} after the last answer (${reads} config reads; ${((1000 * accepted) / (jobsMs + botRun.wallMs)).toFixed(0)} jobs/s over the whole stream)`
        : left.waiting > 0
          ? `(not waiting for the jobs: the inbox did not drain)`
          : `config reads after waiting ${ms(performance.now() - jobsStarted)} more: ${reads}/${accepted} (stopped waiting)`,
    );
    console.log(loadLine());

    const lost = DELIVERIES - botRun.ok;
    result = {
      name: "webhook-ack",
      rows: [
        { bench: "webhook-ack", figure: "ack latency p50 @200/s", measured: ms(botRun.p50), baseline: ms(plainRun.p50), ratio: ratio(r50) },
        { bench: "webhook-ack", figure: "ack latency p99 @200/s", measured: ms(botRun.p99), baseline: ms(plainRun.p99), ratio: ratio(r99) },
        {
          bench: "webhook-ack",
          figure: "ack latency max",
          measured: ms(botRun.max),
          baseline: ms(plainRun.max),
          ratio: ratio(botRun.max / plainRun.max),
        },
        {
          bench: "webhook-ack",
          figure: "diag: plain+inbox p50 / p99",
          measured: `${ms(inboxRun.p50)} / ${ms(inboxRun.p99)}`,
          baseline: `${ms(plainRun.p50)} / ${ms(plainRun.p99)}`,
          ratio: `${ratio(inboxRun.p50 / plainRun.p50)} / ${ratio(inboxRun.p99 / plainRun.p99)}`,
        },
        {
          bench: "webhook-ack",
          figure: "2xx answers",
          measured: `${botRun.ok}/${DELIVERIES}`,
          baseline: `${plainRun.ok}/${DELIVERIES}`,
          ratio: "",
        },
        {
          bench: "webhook-ack",
          figure: "inbox drained after last ack",
          measured: left.waiting === 0 ? ms(drainMs) : `NOT (${left.waiting} left)`,
          baseline: "",
          ratio: "",
        },
        { bench: "webhook-ack", figure: "handed on to actors", measured: `${handedOn}/${accepted}`, baseline: "", ratio: "" },
        { bench: "webhook-ack", figure: "hand-overs/s after the stream", measured: drainRate.toFixed(2), baseline: "", ratio: "" },
        { bench: "webhook-ack", figure: "jobs at check-request (config reads)", measured: `${reads}/${accepted}`, baseline: "", ratio: "" },
      ],
      raw: {
        fixbotP50: botRun.p50,
        fixbotP99: botRun.p99,
        fixbotMax: botRun.max,
        plainP50: plainRun.p50,
        plainP99: plainRun.p99,
        plainMax: plainRun.max,
        plainInboxP50: inboxRun.p50,
        plainInboxP99: inboxRun.p99,
        plainInboxCpuSeconds: inboxCpu,
        fixbotLatencies: botStream.samples.map((s) => Math.round(s.latency * 100) / 100),
        drainMs,
        drainRate,
        lost,
        plainCpuSeconds: plainCpu,
        fixbotCpuSeconds: botCpu,
        engineCpuSeconds: engineCpu,
        handedOn,
        accepted,
        configReads: reads,
        handOverRetries: retries,
        medianSenderLag: median(botStream.samples.map((s) => s.lag)),
      },
    };
  } finally {
    leftoverEngines = await tearDownBench({ root, cleanup, unregister, what: "bot, engine, fake GitHub" });
  }
  return { ...result, leftoverEngines };
}

if (isEntryPoint(import.meta.url)) runAsMain(runWebhookAck);
