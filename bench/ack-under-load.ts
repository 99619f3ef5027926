/**
 * Webhook answer time with the work of earlier deliveries still running behind the intake (issue #13, "the
 * intake never waits for the work"): a REAL fixbot process (the default role: webhook intake here, workflows in
 * its supervised worker process, embedded engine) and a plain Probot server (bench/plain-probot-server.ts)
 * fed the SAME signed deliveries at the same moments, 200/s, in two rounds of 2,000.
 *
 * Each round (bench/ack-under-load-stream.ts): 20 real runs (the fixbot label on an issue of its own; the
 * scripted agent fixtures/agents/fix-calc.sh fixes a real `file://` remote in the sandbox, tests run, a branch
 * is pushed and a pull request opened), 100 `/fixbot help` comments (each a commands run posting a reply) and
 * 1,880 labels that are not fixbot's (each still an actor job today). Round 2 starts as soon as round 1's
 * answers are in: the first round's runs and jobs are still going (printed), so round 2 measures the intake
 * with the workers busy. 20 warm-up deliveries first, not counted.
 *
 * Figures: p50 / p99 / max per round and server, and the ratios fixbot / plain (goal <= 1.5). Also printed: the
 * plain server alone on a quiet machine (before fixbot starts), for scale. Run alone: `npx tsx
 * bench/ack-under-load.ts` (or all benches: `npm run bench`). BENCH_KEEP=1 keeps the directory (logs).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { descendantsOf, startReadyBot, stopEngine, WEBHOOK_PATH, type BotProcess } from "../test/helpers/bot-process.js";
import { startFakeGitHub, type FakeGitHubServer } from "../test/helpers/fake-github-server.js";
import { createBareRemote } from "../test/helpers/git-remote.js";
import { readJournal } from "../src/inbox/inbox-journal.js";
import { OWNER, REPO, roundDeliveries, streamToAll } from "./ack-under-load-stream.js";
import { bounded, isEntryPoint, loadLine, ms, onInterrupt, ratio, runAsMain, tearDownBench, type BenchResult } from "./lib.js";
import { cpuSeconds, printStream, startPlainServer, summarize, type StreamSummary } from "./webhook-ack.js";

const ROOT = join(import.meta.dirname, "..");
const DELIVERIES = 2_000;
const INTERVAL_MS = 5;
const FINAL = /fixbot fixed this issue|could not make the tests pass|made NO change|stopped with an error|was cancelled/;

export async function runAckUnderLoad(): Promise<BenchResult> {
  console.log(
    `\n== ack-under-load: 2 rounds of ${DELIVERIES} deliveries at ${1000 / INTERVAL_MS}/s, the first round's work running behind the second; fixbot vs a plain Probot server fed the same stream ==`,
  );
  console.log(loadLine());
  const root = await mkdtemp(join(tmpdir(), "fixbot-bench-load-"));
  const dataDir = join(root, "data");
  await mkdir(dataDir, { recursive: true });
  let fake: FakeGitHubServer | undefined;
  let plain: Awaited<ReturnType<typeof startPlainServer>> | undefined;
  let bot: BotProcess | undefined;
  const remote = await createBareRemote({ fixture: join(ROOT, "fixtures", "repos", "calc") });
  const cleanup = async () => {
    if (plain && plain.child.exitCode === null && plain.child.signalCode === null) {
      plain.child.kill("SIGKILL");
      await bounded(plain.exited, 5_000, "plain Probot server exit");
    }
    if (bot) await bot.kill("SIGKILL", { descendants: true });
    await stopEngine(dataDir);
    await fake?.stop();
    await remote.cleanup();
    if (process.env.BENCH_KEEP === "1") console.log(`kept ${root}`);
    else await rm(root, { recursive: true, force: true });
  };
  const unregister = onInterrupt(cleanup);
  let result: Omit<BenchResult, "leftoverEngines"> | undefined;
  let leftoverEngines: number[] = [];
  try {
    const agent = JSON.stringify(join(ROOT, "fixtures", "agents", "fix-calc.sh"));
    fake = await startFakeGitHub({
      repos: { [REPO]: { owner: OWNER, roles: { alice: "write" }, configYaml: `agent:\n  command: ${agent}\n` } },
    });
    plain = await startPlainServer(root);
    // For scale: the plain server alone on a quiet machine (nothing else running).
    const [quiet] = (await streamToAll([plain.url], roundDeliveries("quiet", DELIVERIES, 9_000, remote.url).deliveries, INTERVAL_MS)).map(
      summarize,
    );
    const inboxSync = process.env.FIXBOT_INBOX_SYNC;
    const botStart = performance.now();
    bot = await startReadyBot(
      { fakeGitHub: fake, dataDir, env: inboxSync ? { FIXBOT_INBOX_SYNC: inboxSync } : undefined },
      { readyTimeoutMs: 90_000 },
    );
    console.log(
      `fixbot ready in ${ms(performance.now() - botStart)} (pid ${bot.pid}; worker pids ${JSON.stringify(await descendantsOf(bot.pid))})`,
    );
    const urls = [`${bot.url}${WEBHOOK_PATH}`, plain.url];
    await streamToAll(
      urls,
      roundDeliveries("warmup", 20, 8_000, remote.url).deliveries.filter((_, i) => i % 100 !== 50),
      INTERVAL_MS,
    );

    const finished = (issues: number[]) =>
      issues.filter((n) => fake!.commentsOn(REPO, n).some((c) => c.body.includes("fixbot:tracking") && FINAL.test(c.body))).length;
    const waiting = async () => (await readJournal(join(dataDir, "inbox", hostname()))).pending.length;
    const rounds: Array<{ fixbot: StreamSummary; plain: StreamSummary; behind: string; cpu: string }> = [];
    const allRuns: number[] = [];
    for (const [r, firstIssue] of [101, 201].entries()) {
      const { deliveries, runIssues } = roundDeliveries(`round${r + 1}`, DELIVERIES, firstIssue, remote.url);
      const behind = `${allRuns.length - finished(allRuns)} of ${allRuns.length} earlier real runs unfinished, ${await waiting()} deliveries waiting in the inbox`;
      allRuns.push(...runIssues);
      const cpu0 = await Promise.all([bot.pid, plain.child.pid].map(cpuSeconds));
      const [f, p] = (await streamToAll(urls, deliveries, INTERVAL_MS)).map(summarize);
      const cpu1 = await Promise.all([bot.pid, plain.child.pid].map(cpuSeconds));
      rounds.push({
        fixbot: f!,
        plain: p!,
        behind,
        cpu: `CPU during the round: fixbot's intake ${(cpu1[0]! - cpu0[0]!).toFixed(1)} s, plain ${(cpu1[1]! - cpu0[1]!).toFixed(1)} s`,
      });
    }
    const after = `${allRuns.length - finished(allRuns)} of ${allRuns.length} real runs unfinished, ${await waiting()} deliveries waiting in the inbox`;

    console.log(`ack latency (request start -> answer read), open loop, ${DELIVERIES} deliveries per round:`);
    printStream("plain Probot, alone on a quiet machine", quiet!, DELIVERIES);
    for (const [i, round] of rounds.entries()) {
      console.log(` round ${i + 1} (when it started: ${round.behind}):`);
      printStream("fixbot      ", round.fixbot, DELIVERIES);
      printStream("plain Probot", round.plain, DELIVERIES);
      console.log(`  ${round.cpu}`);
      console.log(
        `  ratio fixbot / plain: p50 ${ratio(round.fixbot.p50 / round.plain.p50)}, p99 ${ratio(round.fixbot.p99 / round.plain.p99)}   (goal: <= 1.5)`,
      );
    }
    console.log(`when round 2's last answer arrived: ${after}`);
    console.log(loadLine());
    const [r1, r2] = rounds as [(typeof rounds)[0], (typeof rounds)[0]];
    const row = (figure: string, f: number, p: number) => ({
      bench: "ack-under-load",
      figure,
      measured: ms(f),
      baseline: ms(p),
      ratio: ratio(f / p),
    });
    result = {
      name: "ack-under-load",
      rows: [
        row("round 1 p50 @200/s", r1.fixbot.p50, r1.plain.p50),
        row("round 1 p99 @200/s", r1.fixbot.p99, r1.plain.p99),
        row("round 2 p50 (work behind)", r2.fixbot.p50, r2.plain.p50),
        row("round 2 p99 (work behind)", r2.fixbot.p99, r2.plain.p99),
        row("round 2 max", r2.fixbot.max, r2.plain.max),
        {
          bench: "ack-under-load",
          figure: "2xx answers (2 rounds)",
          measured: `${r1.fixbot.ok + r2.fixbot.ok}/${2 * DELIVERIES}`,
          baseline: `${r1.plain.ok + r2.plain.ok}/${2 * DELIVERIES}`,
          ratio: "",
        },
        {
          bench: "ack-under-load",
          figure: "plain alone p50 / p99",
          measured: "",
          baseline: `${ms(quiet!.p50)} / ${ms(quiet!.p99)}`,
          ratio: "",
        },
      ],
      raw: {
        round1FixbotP50: r1.fixbot.p50,
        round1FixbotP99: r1.fixbot.p99,
        round1PlainP50: r1.plain.p50,
        round1PlainP99: r1.plain.p99,
        round2FixbotP50: r2.fixbot.p50,
        round2FixbotP99: r2.fixbot.p99,
        round2PlainP50: r2.plain.p50,
        round2PlainP99: r2.plain.p99,
        quietPlainP50: quiet!.p50,
        quietPlainP99: quiet!.p99,
        fixbotOk: r1.fixbot.ok + r2.fixbot.ok,
      },
    };
  } finally {
    leftoverEngines = await tearDownBench({ root, cleanup, unregister, what: "bot, engine, plain server, fake GitHub" });
  }
  return { ...result, leftoverEngines };
}

if (isEntryPoint(import.meta.url)) runAsMain(runAckUnderLoad);
