/**
 * The intake's answer time while hostile comments are processed (issue #12): a REAL fixbot process, fed in each
 * round a probe (a normal `issue_comment` webhook and `GET /healthz`, sent together) alongside either
 * - baseline: two ordinary short comments, or
 * - hostile: a 64 KB comment of 16,000 one-line code spans ending in the command word (parsed in full) and a
 *   1 MB comment of code spans and HTML comments,
 * all sent at the same moment. The probe's answer times are compared, hostile against baseline, in the same run.
 * Also timed in this process: parsing the 64 KB comment alone (before the fix: up to 9 s).
 *
 * Run alone: `npx tsx bench/hostile-comment.ts` (or all benches: `npm run bench`).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseCommand } from "../src/webhooks/parse-command.js";
import { startReadyBot, stopEngine, type BotProcess } from "../test/helpers/bot-process.js";
import { startFakeGitHub, type FakeGitHubServer } from "../test/helpers/fake-github-server.js";
import { loadExample } from "../test/helpers/payloads.js";
import { isEntryPoint, loadLine, max, median, ms, onInterrupt, ratio, runAsMain, tearDownBench, type BenchResult } from "./lib.js";

const OWNER = "acme";
const REPO = "calc";
const ROUNDS = 15;
const SPANS_64K = `${"`a`\n".repeat(16_000)}\n/fixbot help`;
const HUGE_1M = `${"`a` <!-- x --> lorem\n".repeat(50_000)}\n/fixbot help`;

let commentId = 1;
function comment(number: number, body: string, sender = "mallory") {
  const payload = loadExample("issue_comment", "created");
  payload.comment = { ...payload.comment, id: commentId++, body, user: { ...payload.comment.user, login: sender, type: "User" } };
  payload.sender = { ...payload.sender, login: sender, type: "User" };
  payload.issue = { ...payload.issue, number, title: "t", body: "", state: "open" };
  delete payload.issue.pull_request;
  payload.repository = {
    ...payload.repository,
    name: REPO,
    full_name: `${OWNER}/${REPO}`,
    owner: { ...payload.repository.owner, login: OWNER },
    clone_url: "file:///nonexistent",
    default_branch: "main",
  };
  payload.installation = { id: 1 };
  return payload;
}

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** One round: the load and the probe at the same moment; the probe's webhook and /healthz answer times. */
async function round(bot: BotProcess, load: object[], probeIssue: number): Promise<{ webhook: number; health: number }> {
  const loads = load.map((p) => bot.sendWebhook("issue_comment", p));
  const [webhook, health] = await Promise.all([
    timed(() => bot.sendWebhook("issue_comment", comment(probeIssue, "thanks, looks good", "alice"))),
    timed(() => fetch(`${bot.url}/healthz`).then((r) => r.text())),
  ]);
  for (const r of await Promise.all(loads)) if (r.status !== 200) throw new Error(`a load webhook was answered ${r.status}: ${r.body}`);
  return { webhook, health };
}

export async function runHostileComment(): Promise<BenchResult> {
  const parseStarted = performance.now();
  parseCommand(SPANS_64K);
  const parse64k = performance.now() - parseStarted;
  const parse1mStarted = performance.now();
  parseCommand(HUGE_1M);
  const parse1m = performance.now() - parse1mStarted;

  const root = await mkdtemp(join(tmpdir(), "fixbot-bench-hostile-"));
  const dataDir = join(root, "data");
  let fake: FakeGitHubServer | undefined;
  let bot: BotProcess | undefined;
  const cleanup = async () => {
    if (bot) await bot.kill("SIGKILL", { descendants: true });
    await stopEngine(dataDir);
    await fake?.stop();
    await rm(root, { recursive: true, force: true });
  };
  const unregister = onInterrupt(cleanup);
  let leftoverEngines: number[] = [];
  let result: Omit<BenchResult, "leftoverEngines">;
  try {
    fake = await startFakeGitHub({ repos: { [REPO]: { owner: OWNER, roles: { alice: "write" } } } });
    bot = await startReadyBot({ fakeGitHub: fake, dataDir }, { readyTimeoutMs: 60_000 });
    const base = { webhook: [] as number[], health: [] as number[] };
    const hostile = { webhook: [] as number[], health: [] as number[] };
    await round(bot, [comment(100, "warm-up"), comment(101, "warm-up")], 102);
    // Interleaved, so that a change of load on the machine hits both series alike.
    for (let i = 0; i < ROUNDS; i++) {
      const b = await round(bot, [comment(200 + i, "an ordinary comment"), comment(300 + i, "another one")], 400 + i);
      base.webhook.push(b.webhook);
      base.health.push(b.health);
      const h = await round(bot, [comment(500 + i, SPANS_64K), comment(600 + i, HUGE_1M)], 700 + i);
      hostile.webhook.push(h.webhook);
      hostile.health.push(h.health);
    }
    console.log(`\n== hostile-comment (${ROUNDS} rounds, ${loadLine()}) ==`);
    console.log(`parseCommand alone: 64 KB of code spans ${ms(parse64k)}, 1 MB comment ${ms(parse1m)}`);
    const line = (what: string, h: number[], b: number[]) =>
      console.log(
        `${what}: hostile p50 ${ms(median(h))} max ${ms(max(h))} | baseline p50 ${ms(median(b))} max ${ms(max(b))} | ratio ${ratio(median(h) / median(b))}`,
      );
    line("normal webhook answered", hostile.webhook, base.webhook);
    line("/healthz answered", hostile.health, base.health);
    result = {
      name: "hostile-comment",
      rows: [
        {
          bench: "hostile-comment",
          figure: "webhook answer p50 (hostile vs ordinary load)",
          measured: ms(median(hostile.webhook)),
          baseline: ms(median(base.webhook)),
          ratio: ratio(median(hostile.webhook) / median(base.webhook)),
        },
        {
          bench: "hostile-comment",
          figure: "webhook answer max",
          measured: ms(max(hostile.webhook)),
          baseline: ms(max(base.webhook)),
          ratio: ratio(max(hostile.webhook) / max(base.webhook)),
        },
        {
          bench: "hostile-comment",
          figure: "/healthz p50",
          measured: ms(median(hostile.health)),
          baseline: ms(median(base.health)),
          ratio: ratio(median(hostile.health) / median(base.health)),
        },
        { bench: "hostile-comment", figure: "parse of the 64 KB comment alone", measured: ms(parse64k), baseline: "", ratio: "" },
      ],
      raw: {
        hostileWebhook: hostile.webhook,
        baseWebhook: base.webhook,
        hostileHealth: hostile.health,
        baseHealth: base.health,
        parse64k,
        parse1m,
      },
    };
  } finally {
    leftoverEngines = await tearDownBench({ root, cleanup, unregister, what: "bot, engine, fake GitHub" });
  }
  return { ...result, leftoverEngines };
}

if (isEntryPoint(import.meta.url)) runAsMain(runHostileComment);
