/**
 * Resume latency after a SIGKILL: how long a restarted fixbot process takes to start the interrupted step
 * again, against how long a fresh process takes to start the same step for a new issue.
 *
 * A REAL bot process (test/helpers/bot-process.ts) against the fake GitHub HTTP server, one data directory and
 * one embedded engine for the whole bench. Each of the 10 rounds uses its own issue (and repository config):
 *
 * 1. A bot is spawned and, once it answers HTTP, is sent the signed `issues.labeled` webhook. The repository's
 *    agent is an inline command that appends `date +%s%3N` to a marker file, then sleeps 300 s on its first
 *    start only (later starts go on with fixtures/agents/fix-calc.sh). Baseline: spawn -> first agent start
 *    (the marker's first line), in a process that was NOT killed.
 * 2. Once the marker's first line is there, the bot is SIGKILLed with its descendants (the agent too) and a new
 *    bot is spawned on the same data directory and engine port. Measured: spawn -> the interrupted step
 *    starting again (the marker's second line). Nothing is sent to it: the run's wake-up alarm (every 2 s) wakes
 *    the actor once the engine has marked the killed runner's actors asleep (2.5–5 s after the kill).
 * 3. The bench waits for the run's final tracking comment, then stops the (idle) bot with SIGTERM and waits until
 *    the engine lists no process (GET /envoys), so the next round's fresh bot is an ordinary start after an
 *    ordinary stop. Its webhook creates a new actor, and on this engine that creation often times out (15 s,
 *    `pegboard.route_resolve_query_timeout`) and is retried by the inbox: the bench counts those rounds from the
 *    bot's log and also prints the baseline without them.
 *
 * A first bot is started and stopped before round 1, so every timed start finds the engine already running.
 * "Spawn" is the time just before the child process is started (startReadyBot); a start that fails and is
 * retried by startReadyBot counts from the first attempt (the bench prints how many were retried).
 *
 * Run alone: `npx tsx bench/resume-latency.ts` (or all benches: `npm run bench`).
 */
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { embeddedEngineToken } from "../src/runtime/engine-token.js";
import { generatePrivateKey } from "../test/helpers/app-key.js";
import { startReadyBot, stopEngine, type BotProcess } from "../test/helpers/bot-process.js";
import { startFakeGitHub, type FakeGitHubServer } from "../test/helpers/fake-github-server.js";
import { createBareRemote } from "../test/helpers/git-remote.js";
import { calcIssueLabeledPayload } from "../test/helpers/payloads.js";
import {
  bounded,
  isEntryPoint,
  loadLine,
  max,
  median,
  min,
  ms,
  onInterrupt,
  ratio,
  runAsMain,
  sleep,
  tearDownBench,
  type BenchResult,
} from "./lib.js";

const ROOT = join(import.meta.dirname, "..");
const FIX_CALC = join(ROOT, "fixtures", "agents", "fix-calc.sh");
const CALC = join(ROOT, "fixtures", "repos", "calc");
const OWNER = "acme";
const ROUNDS = 10;
/** Webhook -> first agent start on a fresh bot: a new actor whose creation keeps timing out may never get there. */
const FIRST_START_TIMEOUT_MS = 240_000;
const RESUME_TIMEOUT_MS = 180_000;
const FINAL_HEADER =
  /fixbot fixed this issue|could not make the tests pass|made NO change|stopped with an error|run was cancelled|ignored this request/;

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The agent: record the start (epoch ms), hold 300 s on the first start only, then fix the calc bug. */
function agentCommand(marker: string): string {
  return `echo "$(date +%s%3N)" >> ${q(marker)}; if [ "$(wc -l < ${q(marker)})" -eq 1 ]; then sleep 300; fi; exec ${q(FIX_CALC)}`;
}

async function markerTimes(marker: string): Promise<number[]> {
  const text = await readFile(marker, "utf8").catch(() => "");
  return text
    .split("\n")
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isFinite(n) && n > 0);
}

/** Polls the marker file until it has `lines` lines; returns the epoch ms written on line `lines`, or undefined after `timeoutMs`. */
async function waitMarkerLine(marker: string, lines: number, timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const times = await markerTimes(marker);
    if (times.length >= lines) return times[lines - 1]!;
    if (Date.now() > deadline) return undefined;
    await sleep(20);
  }
}

const HAND_OVER_RETRY = "could not hand a webhook to the engine yet";

/** The inbox's hand-over retries in a bot's log, and the last one's error message. */
async function handOverRetries(bot: BotProcess): Promise<{ count: number; lastError: string }> {
  const lines = (await bot.log()).split("\n").filter((l) => l.includes(HAND_OVER_RETRY));
  const last = lines.at(-1) ?? "";
  return { count: lines.length, lastError: /"message":"([^"]*)"/.exec(last)?.[1] ?? "" };
}

/** Processes (envoys) the engine lists in the default namespace; NaN when it does not answer. */
async function envoyCount(enginePort: number, token: string): Promise<number> {
  try {
    const headers = { authorization: `Bearer ${token}` };
    const res = await fetch(`http://127.0.0.1:${enginePort}/envoys?namespace=default`, { headers, signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return Number.NaN;
    const body = (await res.json()) as { envoys?: unknown[] };
    return body.envoys?.length ?? 0;
  } catch {
    return Number.NaN;
  }
}

/**
 * Stops an idle bot the ordinary way (SIGTERM: it stops its server, inbox and registry; SIGKILL after 30 s),
 * then waits (at most 30 s) until the engine lists no process, so the next fresh start finds no stale one.
 * Returns the ms spent waiting for the engine.
 */
async function stopIdleBot(bot: BotProcess, enginePort: number, dataDir: string): Promise<number> {
  const token = await embeddedEngineToken(join(dataDir, "engine"));
  await bounded(bot.kill("SIGTERM"), 30_000, `SIGTERM of bot pid ${bot.pid}`);
  await bot.kill("SIGKILL", { descendants: true });
  const started = Date.now();
  while ((await envoyCount(enginePort, token)) !== 0 && Date.now() - started < 30_000) await sleep(100);
  return Date.now() - started;
}

interface Round {
  issue: number;
  /** Fresh bot: spawn -> first agent start (the baseline). */
  baseline: number;
  baselineReady: number;
  /** Fresh bot: webhook acknowledged -> first agent start. */
  ackToAgent: number;
  /** Restarted bot: spawn -> agent starts again (measured). */
  resume: number;
  resumeReady: number;
  /** SIGKILL -> agent starts again. */
  killToResume: number;
  /** Hand-over retries the fresh bot logged before its agent started (a new actor that could not be created yet). */
  freshRetries: number;
  /** After the round: SIGTERM of the idle bot -> the engine lists no process. */
  engineIdleWait: number;
  outcome: string;
}

export async function runResumeLatency(): Promise<BenchResult> {
  console.log(`\n== resume-latency: a restarted bot resumes a step interrupted by SIGKILL vs a fresh bot starting it (${ROUNDS} kills) ==`);
  console.log(loadLine());
  const root = await mkdtemp(join(tmpdir(), "fixbot-bench-resume-"));
  const dataDir = join(root, "data");
  const markers = join(root, "markers");
  await mkdir(dataDir, { recursive: true });
  await mkdir(markers, { recursive: true });
  const bots: BotProcess[] = [];
  let fake: FakeGitHubServer | undefined;
  let remote: Awaited<ReturnType<typeof createBareRemote>> | undefined;
  const cleanup = async () => {
    for (const bot of bots) {
      await bot.kill("SIGKILL", { descendants: true });
      await bot.killOrphans();
    }
    await stopEngine(dataDir);
    await fake?.stop();
    await remote?.cleanup();
    // BENCH_KEEP=1 keeps the bot logs and markers for a look; the processes are stopped either way.
    if (process.env.BENCH_KEEP === "1") console.log(`kept ${root}`);
    else await rm(root, { recursive: true, force: true });
  };
  const unregister = onInterrupt(cleanup);
  let retries = 0;
  let enginePort: number | undefined;
  const start = async (): Promise<{ bot: BotProcess; spawnedAt: number; readyAt: number }> => {
    const spawnedAt = Date.now();
    const bot = await startReadyBot(
      { fakeGitHub: fake!, dataDir, enginePort },
      {
        readyTimeoutMs: 90_000,
        onRetry: (e) => {
          retries++;
          console.warn(`  bot start failed, retrying once: ${e.message.split("\n")[0]}`);
        },
      },
    );
    bots.push(bot);
    enginePort = bot.enginePort;
    return { bot, spawnedAt, readyAt: Date.now() };
  };

  let result: Omit<BenchResult, "leftoverEngines"> | undefined;
  let leftoverEngines: number[] = [];
  try {
    generatePrivateKey(); // generated once per process: keep it out of the first timed spawn
    remote = await createBareRemote({ fixture: CALC });
    fake = await startFakeGitHub({ repos: {} });

    // Boot the engine once, so no timed start includes it; the kill makes round 1 start like the others.
    const boot = await start();
    console.log(`engine + first bot ready in ${ms(boot.readyAt - boot.spawnedAt)} (engine port ${enginePort}); stopping it`);
    await stopIdleBot(boot.bot, enginePort!, dataDir);

    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const issue = i + 1;
      const repo = `calc-resume-${issue}`;
      const marker = join(markers, `agent-${issue}.log`);
      fake.repos[repo] = {
        owner: OWNER,
        roles: { alice: "write" },
        configYaml: [`maxAttempts: 1`, `agent:`, `  command: ${JSON.stringify(agentCommand(marker))}`, ""].join("\n"),
      };

      // 1. A fresh bot starts the step (baseline).
      const fresh = await start();
      const payload = calcIssueLabeledPayload({
        owner: OWNER,
        repo,
        number: issue,
        cloneUrl: remote.url,
      });
      const ack = await fresh.bot.sendWebhook("issues", payload, `resume-bench-${issue}-${Date.now()}`);
      if (ack.status < 200 || ack.status >= 300)
        throw new Error(`round ${issue}: the webhook was not acknowledged: ${ack.status} ${ack.body}`);
      const ackedAt = Date.now();
      const firstStart = await waitMarkerLine(marker, 1, FIRST_START_TIMEOUT_MS);
      const { count: freshRetries, lastError } = await handOverRetries(fresh.bot);
      if (firstStart === undefined) {
        // Nothing to interrupt. A late hand-over (the next bot opens the same inbox) must not start a held agent.
        fake.repos[repo] = { ...fake.repos[repo]!, configYaml: "label: given-up-by-the-bench\n" };
        await stopIdleBot(fresh.bot, enginePort!, dataDir);
        const nan = Number.NaN;
        rounds.push({
          issue,
          baseline: nan,
          baselineReady: fresh.readyAt - fresh.spawnedAt,
          ackToAgent: nan,
          resume: nan,
          resumeReady: nan,
          killToResume: nan,
          freshRetries,
          engineIdleWait: nan,
          outcome: "fresh start: no agent",
        });
        console.log(
          `  kill ${issue}: SKIPPED: the fresh bot's agent had not started ${FIRST_START_TIMEOUT_MS / 1000} s after the webhook (hand-over retries: ${freshRetries}, last: ${lastError})`,
        );
        continue;
      }

      // 2. SIGKILL mid-step, restart on the same data directory and engine, wait for the step to start again.
      const killedAt = Date.now();
      await fresh.bot.kill("SIGKILL", { descendants: true });
      const restarted = await start();
      const againAt = (await waitMarkerLine(marker, 2, RESUME_TIMEOUT_MS)) ?? Number.NaN;

      // 3. Let the run finish, then stop the (idle) bot.
      let outcome = `not resumed within ${RESUME_TIMEOUT_MS / 1000} s`;
      if (Number.isFinite(againAt)) {
        try {
          await fake.waitFor(
            (s) =>
              s.comments.some(
                (c) =>
                  c.repo === `${OWNER}/${repo}` && c.issue === issue && c.body.includes("fixbot:tracking") && FINAL_HEADER.test(c.body),
              ),
            180_000,
            `the final tracking comment on ${repo}#${issue}`,
          );
          const comment = fake.commentsOn(repo, issue, "fixbot:tracking")[0]!;
          outcome = FINAL_HEADER.exec(comment.body)?.[0] ?? "?";
        } catch (error) {
          outcome = `no final comment (${error instanceof Error ? error.message : String(error)})`;
        }
        await sleep(1_500); // close-run, the step after the final comment
      } else {
        fake.repos[repo] = { ...fake.repos[repo]!, configYaml: "label: given-up-by-the-bench\n" };
      }
      const engineIdleWait = await stopIdleBot(restarted.bot, enginePort!, dataDir);

      const round: Round = {
        issue,
        baseline: firstStart - fresh.spawnedAt,
        baselineReady: fresh.readyAt - fresh.spawnedAt,
        ackToAgent: firstStart - ackedAt,
        resume: againAt - restarted.spawnedAt,
        resumeReady: restarted.readyAt - restarted.spawnedAt,
        killToResume: againAt - killedAt,
        freshRetries,
        engineIdleWait,
        outcome,
      };
      rounds.push(round);
      console.log(
        `  kill ${issue}: fresh spawn -> agent ${ms(round.baseline)} (ready ${ms(round.baselineReady)}, ack -> agent ${ms(round.ackToAgent)}); ` +
          `restart spawn -> agent again ${ms(round.resume)} (ready ${ms(round.resumeReady)}); kill -> agent again ${ms(round.killToResume)}; run: ${outcome}` +
          `${freshRetries > 0 ? `; fresh bot hand-over retries: ${freshRetries}` : ""}`,
      );
    }

    const pick = (key: keyof Omit<Round, "issue" | "outcome">) => rounds.map((r) => r[key]);
    const resume = pick("resume");
    const baseline = pick("baseline");
    const rMedian = median(resume) / median(baseline);
    const rMax = max(resume) / max(baseline);
    const fixed = rounds.filter((r) => r.outcome === "fixbot fixed this issue").length;
    const started = rounds.filter((r) => Number.isFinite(r.baseline)).length;
    const resumed = rounds.filter((r) => Number.isFinite(r.resume)).length;
    // The fresh start creates a new actor; on this engine that creation often times out (15 s) and the inbox
    // retries it. The rounds where it went through at once show the start itself.
    const clean = rounds.filter((r) => r.freshRetries === 0 && Number.isFinite(r.baseline)).map((r) => r.baseline);
    const rClean = median(resume) / median(clean);
    console.log("");
    console.log(
      `restarted bot, spawn -> interrupted step starts again: median ${ms(median(resume))}, max ${ms(max(resume))}, min ${ms(min(resume))}`,
    );
    console.log(
      `fresh bot, spawn -> first start of the step (baseline): median ${ms(median(baseline))}, max ${ms(max(baseline))}, min ${ms(min(baseline))}`,
    );
    console.log(`ratio resume / fresh start: median ${ratio(rMedian)}, max ${ratio(rMax)}`);
    console.log(
      `fresh bot whose new actor was created at the first try (${clean.length}/${ROUNDS} rounds): median ${ms(median(clean))}, max ${ms(max(clean))}; ` +
        `ratio resume median / that: ${ratio(rClean)}`,
    );
    console.log(`SIGKILL -> step starts again: median ${ms(median(pick("killToResume")))}, max ${ms(max(pick("killToResume")))}`);
    console.log(
      `spawn -> answers HTTP: restarted median ${ms(median(pick("resumeReady")))}, fresh median ${ms(median(pick("baselineReady")))}; fresh bot webhook ack -> agent start median ${ms(median(pick("ackToAgent")))}`,
    );
    console.log(
      `fresh bots whose agent started (rounds run): ${started}/${ROUNDS}; interrupted steps started again: ${resumed}/${started}`,
    );
    console.log(
      `runs that ended fixed after the kill: ${fixed}/${started}; bot starts retried: ${retries}; fresh bots whose hand-over had to be retried: ${rounds.filter((r) => r.freshRetries > 0).length}`,
    );
    console.log(
      `between rounds: SIGTERM of the idle bot -> engine lists no process, median ${ms(median(pick("engineIdleWait")))}, max ${ms(max(pick("engineIdleWait")))}`,
    );
    console.log(loadLine());
    result = {
      name: "resume-latency",
      rows: [
        {
          bench: "resume-latency",
          figure: "spawn -> step restarts, median",
          measured: ms(median(resume)),
          baseline: ms(median(baseline)),
          ratio: ratio(rMedian),
        },
        {
          bench: "resume-latency",
          figure: "spawn -> step restarts, max",
          measured: ms(max(resume)),
          baseline: ms(max(baseline)),
          ratio: ratio(rMax),
        },
        {
          bench: "resume-latency",
          figure: `... fresh starts w/o hand-over retry (${clean.length}/${ROUNDS}), median`,
          measured: ms(median(resume)),
          baseline: ms(median(clean)),
          ratio: ratio(rClean),
        },
        {
          bench: "resume-latency",
          figure: "SIGKILL -> step restarts, median",
          measured: ms(median(pick("killToResume"))),
          baseline: "",
          ratio: "",
        },
        {
          bench: "resume-latency",
          figure: "rounds run / resumed / fixed",
          measured: `${started} / ${resumed} / ${fixed}`,
          baseline: `of ${ROUNDS}`,
          ratio: "",
        },
      ],
      raw: {
        resume,
        baseline,
        baselineWithoutRetry: clean,
        resumeReady: pick("resumeReady"),
        baselineReady: pick("baselineReady"),
        ackToAgent: pick("ackToAgent"),
        killToResume: pick("killToResume"),
        freshHandOverRetries: pick("freshRetries"),
        engineIdleWait: pick("engineIdleWait"),
        startRetries: retries,
      },
    };
  } finally {
    leftoverEngines = await tearDownBench({ root, cleanup, unregister, what: "bots, engine, fake GitHub" });
  }
  return { ...result, leftoverEngines };
}

if (isEntryPoint(import.meta.url)) runAsMain(runResumeLatency);
