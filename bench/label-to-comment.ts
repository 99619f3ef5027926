/**
 * Latency from a label event to the first tracking-comment request reaching GitHub, through fixbot's durable
 * path (Probot handler -> actor queue -> workflow steps check-request, post-tracking-comment), against a plain
 * Probot handler that comments at once, in the same process and against the same fake GitHub.
 *
 * What is timed, for both paths: from the call of `probot.receive(...)` to the moment the nock fake GitHub
 * handles the `POST /repos/acme/calc-bench/issues/<n>/comments` that creates the comment (its reply handler
 * stores the comment with `state.comments.push`, which this bench wraps to take the timestamp). For fixbot
 * that request is the tracking comment's creation (preceded, inside the workflow, by the config reads, the
 * permission check and the marker search `GET .../comments`). The fake answers at once: real GitHub latency
 * (one round trip for the plain handler, several for fixbot: the bench prints how many) is not included.
 *
 * Events are sent one at a time; after each fixbot event the bench waits for that run to finish (clone, agent
 * fixtures/agents/fix-calc.sh, tests, push, PR) so every measurement starts with an idle bot.
 *
 * Run alone: `npx tsx bench/label-to-comment.ts` (or all benches: `npm run bench`).
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import nock from "nock";
import pino from "pino";
import { Probot, ProbotOctokit } from "probot";
import { stopEmbeddedEngine } from "../src/runtime/engine.js";
import { startAppHarness, type AppHarness } from "../test/helpers/app-harness.js";
import { generatePrivateKey } from "../test/helpers/app-key.js";
import { fakeGitHub, type FakeComment } from "../test/helpers/fake-github-nock.js";
import { createBareRemote } from "../test/helpers/git-remote.js";
import { calcIssueLabeledPayload } from "../test/helpers/payloads.js";
import {
  bounded,
  enginesLeftUnder,
  isEntryPoint,
  loadLine,
  max,
  median,
  ms,
  onInterrupt,
  ratio,
  runAsMain,
  sleep,
  type BenchResult,
} from "./lib.js";

const ROOT = join(import.meta.dirname, "..");
const AGENT = join(ROOT, "fixtures", "agents", "fix-calc.sh");
const CALC = join(ROOT, "fixtures", "repos", "calc");
const OWNER = "acme";
const REPO = "calc-bench";
const EVENTS = 10;
/** Issue numbers: fixbot gets 1..10 (warm-up 100), the plain handler 201..210 (warm-up 300). */
const FIXBOT_ISSUE = (i: number) => i + 1;
const PLAIN_ISSUE = (i: number) => 201 + i;
const TRACKING = "fixbot:tracking";

/** A Probot instance loaded with a trivial app: comment on every labelled issue, at once. */
async function plainProbot(): Promise<Probot> {
  const probot = new Probot({
    appId: 1,
    privateKey: generatePrivateKey(),
    log: pino({ level: "silent" }),
    // Throttling off, as fixbot's own client in the harness. `ProbotOctokit.defaults({ throttle: { enabled: false } })`
    // does NOT turn it off in Probot 14 (Probot's own throttle options replace that object, then ProbotOctokit's
    // default `enabled: true` fills the gap), and plugin-throttling then spaces comment POSTs 3 s apart per
    // installation. A defaults function runs after Probot's options are merged, so it wins.
    Octokit: ProbotOctokit.defaults((options: Record<string, any>) => ({
      ...options,
      retry: { ...options.retry, enabled: false },
      throttle: { ...options.throttle, enabled: false },
    })),
  });
  await probot.load((app: Probot) => {
    app.on("issues.labeled", async (context) => {
      await context.octokit.rest.issues.createComment(context.issue({ body: "plain handler: on it" }));
    });
  });
  return probot;
}

export async function runLabelToComment(): Promise<BenchResult> {
  console.log(`\n== label-to-comment: probot.receive(issues.labeled) -> first comment POST handled by the fake GitHub ==`);
  console.log(loadLine());
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  let harness: AppHarness | undefined;
  let stopFake: (() => void) | undefined;
  let cleanupRemote: (() => Promise<void>) | undefined;
  let restoreFetch: (() => void) | undefined;
  let result: Omit<BenchResult, "leftoverEngines"> | undefined;
  let dataDir: string | undefined;
  let unregister: (() => void) | undefined;
  try {
    const t0 = performance.now();
    harness = await startAppHarness();
    dataDir = harness.dataDir;
    // The harness keeps the engine's data under <dataDir>/engine (src/runtime/engine.ts configureEngine).
    const engineDir = join(dataDir, "engine");
    unregister = onInterrupt(async () => {
      await stopEmbeddedEngine(engineDir);
      await rm(engineDir, { recursive: true, force: true });
    });
    console.log(`app harness (engine + registry + Probot) started in ${ms(performance.now() - t0)}`);
    const remote = await createBareRemote({ fixture: CALC });
    cleanupRemote = remote.cleanup;
    const fake = fakeGitHub({
      owner: OWNER,
      repo: REPO,
      configYaml: `agent:\n  command: ${JSON.stringify(AGENT)}`,
      roles: { alice: "write" },
    });
    stopFake = fake.stop;

    // Timestamp of the first comment created on each issue, taken inside the fake's POST reply handler.
    const firstComment = new Map<number, { at: number; tracking: boolean }>();
    const comments = fake.state.comments;
    const push = comments.push;
    comments.push = function (this: FakeComment[], ...items: FakeComment[]): number {
      const at = performance.now();
      for (const c of items) if (!firstComment.has(c.issue)) firstComment.set(c.issue, { at, tracking: c.body.includes(TRACKING) });
      return push.apply(this, items);
    };
    /** Waits (polling every 5 ms) for the issue's first comment; returns its timestamp. */
    const waitComment = async (issue: number, timeoutMs = 60_000): Promise<{ at: number; tracking: boolean }> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const seen = firstComment.get(issue);
        if (seen) return seen;
        const inState = fake.state.comments.find((c) => c.issue === issue);
        if (inState) return { at: performance.now(), tracking: inState.body.includes(TRACKING) }; // the wrap did not see it: poll time
        if (Date.now() > deadline)
          throw new Error(`no comment on issue #${issue} after ${timeoutMs} ms (unmatched: ${fake.state.unmatched.join(", ")})`);
        await sleep(5);
      }
    };

    // Diagnostic only: when fixbot's queue send (actor get-or-create + message, one HTTP request to the
    // engine gateway) returns, seen by wrapping the global fetch the RivetKit client calls.
    let lastQueueSendDone = 0;
    const realFetch = globalThis.fetch;
    restoreFetch = () => {
      globalThis.fetch = realFetch;
    };
    globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      const response = await realFetch(input, init);
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      if (url.includes("/queue/jobs")) lastQueueSendDone = performance.now();
      return response;
    };
    // Also diagnostic: how many GitHub API calls a path makes before its comment (the fake answers at once).
    const githubCalls: number[] = [];
    const queueFetch = globalThis.fetch;
    globalThis.fetch = (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      if (url.startsWith("https://api.github.com/")) githubCalls.push(performance.now());
      return queueFetch(input, init);
    };

    const plain = await plainProbot();
    const label = (probot: Probot, issue: number) =>
      probot.receive({
        id: `bench-${issue}-${Math.random().toString(36).slice(2)}`,
        name: "issues",
        payload: calcIssueLabeledPayload({
          owner: OWNER,
          repo: REPO,
          number: issue,
          cloneUrl: remote.url,
        }),
      } as never);

    /** One plain-handler event: receive -> comment POST handled. */
    const plainCalls: number[] = [];
    const plainEvent = async (issue: number): Promise<number> => {
      const start = performance.now();
      await label(plain, issue);
      const { at } = await waitComment(issue);
      plainCalls.push(githubCalls.filter((t) => t >= start && t <= at).length);
      return at - start;
    };
    /**
     * One fixbot event: receive -> tracking comment POST handled; then waits for the whole run to finish. A
     * rejected `receive` (the enqueue failed: GitHub would record a failed delivery) is recorded, not thrown;
     * the bench then waits a while in case the job got in anyway.
     */
    const fixbotEvent = async (issue: number) => {
      const start = performance.now();
      let error: string | undefined;
      try {
        await label(harness!.probot, issue);
      } catch (e) {
        const inner = (e as { errors?: unknown[] }).errors?.[0] ?? e;
        const { group, code, message } = inner as { group?: string; code?: string; message?: string };
        error = group && code ? `${group}.${code}` : (message ?? String(inner)).split("\n")[0];
      }
      const acked = performance.now() - start;
      const queued = lastQueueSendDone > start ? lastQueueSendDone - start : Number.NaN;
      let seen: { at: number; tracking: boolean } | undefined;
      try {
        seen = await waitComment(issue, error ? 30_000 : 120_000);
      } catch (e) {
        if (!error) throw e;
      }
      if (seen && !seen.tracking) throw new Error(`the first comment on #${issue} is not the tracking comment`);
      const comment = seen ? seen.at - start : Number.NaN;
      const calls = seen ? githubCalls.filter((t) => t >= start && t <= seen.at).length : Number.NaN;
      const run = seen ? (await harness!.waitForRuns(`${OWNER}/${REPO}`, issue, 1, 180_000))[0] : undefined;
      return { acked, queued, comment, calls, error, runMs: run ? performance.now() - start : Number.NaN, status: run?.status ?? "no run" };
    };
    const describe = (f: Awaited<ReturnType<typeof fixbotEvent>>) =>
      (f.error ? `webhook handler FAILED after ${ms(f.acked)} (${f.error}); ` : "") +
      (Number.isNaN(f.comment)
        ? "no tracking comment within 30 s"
        : `tracking comment ${ms(f.comment)} (queue send returned after ${ms(f.queued)}, receive after ${ms(f.acked)}; run ${f.status} after ${ms(f.runMs)})`);

    const w1 = await plainEvent(300);
    const w2 = await fixbotEvent(100);
    console.log(`warm-up (not counted; first installation token, first actor): plain ${ms(w1)} | fixbot ${describe(w2)}`);

    const plainTimes: number[] = [];
    const fixbotTimes: number[] = [];
    const ackTimes: number[] = [];
    const queueTimes: number[] = [];
    const runTimes: number[] = [];
    const statuses: string[] = [];
    const failures: string[] = [];
    const fixbotCalls: number[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const p = await plainEvent(PLAIN_ISSUE(i));
      const f = await fixbotEvent(FIXBOT_ISSUE(i));
      plainTimes.push(p);
      fixbotTimes.push(f.comment);
      queueTimes.push(f.error ? Number.NaN : f.queued);
      runTimes.push(f.runMs);
      statuses.push(f.status);
      fixbotCalls.push(f.calls);
      if (f.error)
        failures.push(
          `#${FIXBOT_ISSUE(i)}: ${f.error} after ${ms(f.acked)}${Number.isNaN(f.comment) ? ", no comment" : ", comment came anyway"}`,
        );
      else ackTimes.push(f.acked);
      console.log(`  event ${i + 1}: plain #${PLAIN_ISSUE(i)} ${ms(p)} | fixbot #${FIXBOT_ISSUE(i)} ${describe(f)}`);
    }
    if (fake.state.unmatched.length > 0)
      console.log(`note: ${fake.state.unmatched.length} request(s) the fake did not match: ${fake.state.unmatched.slice(0, 5).join(", ")}`);

    const fixed = statuses.filter((s) => s === "fixed").length;
    const fMed = median(fixbotTimes);
    const pMed = median(plainTimes);
    console.log("");
    console.log(
      `measured: probot.receive() call -> the fake GitHub handles the comment-creating POST (${EVENTS} events, ${EVENTS} issues, sequential, idle bot)`,
    );
    const measured = fixbotTimes.filter(Number.isFinite).length;
    console.log(
      `fixbot (durable path), first tracking comment: median ${ms(fMed)}, max ${ms(max(fixbotTimes))}${measured < EVENTS ? ` (over the ${measured} events that got one)` : ""}`,
    );
    console.log(`plain Probot handler, createComment at once:   median ${ms(pMed)}, max ${ms(max(plainTimes))}`);
    console.log(`ratio fixbot / plain (median):                 ${ratio(fMed / pMed)}   (difference ${ms(fMed - pMed)})`);
    console.log(
      `GitHub API calls from receive to the comment (median): fixbot ${median(fixbotCalls)}, plain ${median(plainCalls.slice(1))} (the fake answers each at once: real GitHub latency is not in these figures)`,
    );
    console.log(
      `fixbot webhook handler (receive -> enqueued, what GitHub waits for): median ${ms(median(ackTimes))}, max ${ms(max(ackTimes))} (successful deliveries)`,
    );
    console.log(
      `failed deliveries (the handler threw): ${failures.length}/${EVENTS}${failures.length > 0 ? `: ${failures.join("; ")}` : ""}`,
    );
    console.log(
      `  of which (successful deliveries) the queue send (new actor + message) returned after: median ${ms(median(queueTimes))}; from then to the tracking comment: median ${ms(median(fixbotTimes.map((t, i) => t - queueTimes[i]!)))}`,
    );
    console.log(`whole fix runs (receive -> run closed, ${fixed}/${EVENTS} fixed): median ${ms(median(runTimes))}`);
    console.log(loadLine());
    result = {
      name: "label-to-comment",
      rows: [
        {
          bench: "label-to-comment",
          figure: "receive -> first comment POST (median)",
          measured: ms(fMed),
          baseline: ms(pMed),
          ratio: ratio(fMed / pMed),
        },
        {
          bench: "label-to-comment",
          figure: "receive -> first comment POST (max)",
          measured: ms(max(fixbotTimes)),
          baseline: ms(max(plainTimes)),
          ratio: ratio(max(fixbotTimes) / max(plainTimes)),
        },
        { bench: "label-to-comment", figure: "webhook handler returns (median)", measured: ms(median(ackTimes)), baseline: "", ratio: "" },
        {
          bench: "label-to-comment",
          figure: "failed deliveries (handler threw)",
          measured: `${failures.length}/${EVENTS}`,
          baseline: "",
          ratio: "",
        },
      ],
      raw: { fixbot: fixbotTimes, plain: plainTimes, acked: ackTimes, queueSend: queueTimes, runs: runTimes },
    };
  } finally {
    const stopping = performance.now();
    restoreFetch?.();
    stopFake?.();
    if (harness) await bounded(harness.stop(), 30_000, "harness.stop()");
    // Whatever the harness did, the engine must not outlive the bench; then its directory goes.
    if (dataDir) {
      await stopEmbeddedEngine(join(dataDir, "engine"));
      await rm(dataDir, { recursive: true, force: true });
    }
    unregister?.();
    await cleanupRemote?.();
    nock.enableNetConnect();
    console.log(`stopped (harness: client, registry, engine) in ${ms(performance.now() - stopping)}`);
  }
  const leftoverEngines = dataDir ? await enginesLeftUnder(dataDir) : [];
  console.log(
    leftoverEngines.length === 0 ? "engine process gone: yes" : `engine process STILL RUNNING: pid ${leftoverEngines.join(", ")}`,
  );
  return { ...result, leftoverEngines };
}

if (isEntryPoint(import.meta.url)) runAsMain(runLabelToComment);
