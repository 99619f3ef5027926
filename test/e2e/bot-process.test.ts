import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { trackingMarker } from "../../src/github/comment-body.js";
import {
  type BotProcess,
  descendantsOf,
  engineLogTail,
  enginePid,
  enginesUsing,
  isAlive,
  startReadyBot,
  stopBotAndEngine,
} from "../helpers/bot-process.js";
import { startFakeGitHub, type FakeGitHubServer, type FakeServerComment } from "../helpers/fake-github-server.js";
import { createBareRemote, readRemoteFile } from "../helpers/git-remote.js";
import { calcIssueLabeledPayload } from "../helpers/payloads.js";

const ROOT = join(import.meta.dirname, "..", "..");
const AGENTS = join(ROOT, "fixtures", "agents");
const CALC = join(ROOT, "fixtures", "repos", "calc");
const OWNER = "acme";
const REPO = "calc";
/** The first line of every final tracking comment says one of these. */
const FINAL_HEADER = /fixbot fixed this issue|could not make the tests pass|made NO change|stopped with an error/;

let dataDir: string;
let remote: Awaited<ReturnType<typeof createBareRemote>>;
let fake: FakeGitHubServer;
let bot: BotProcess;
let engine: number | undefined;

/** Set when a test failed: the data directory (bot logs, workspaces) is then kept for a look. */
let failed = false;
/** Milliseconds measured along the way, printed at the end (never asserted). */
const timings: Record<string, number> = {};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "fixbot-e2e-"));
  remote = await createBareRemote({ fixture: CALC });
  fake = await startFakeGitHub({
    repos: {
      [REPO]: {
        owner: OWNER,
        roles: { alice: "write" },
        configYaml: [
          `agent:`,
          `  command: ${JSON.stringify(join(AGENTS, "fix-calc.sh"))}`,
          `review:`,
          `  command: ${JSON.stringify(join(AGENTS, "review.sh"))}`,
          "",
        ].join("\n"),
      },
    },
  });
  const started = performance.now();
  try {
    bot = await startReadyBot(
      { fakeGitHub: fake, dataDir },
      { readyTimeoutMs: 60_000, onRetry: (e) => console.warn(`bot start failed, retrying once: ${e.message}`) },
    );
  } catch (error) {
    failed = true;
    throw error;
  }
  timings["bot start → ready"] = Math.round(performance.now() - started);
  engine = await enginePid(dataDir);
});

afterAll(async () => {
  console.info(`fixbot process e2e timings (ms): ${JSON.stringify(timings)}`);
  await stopBotAndEngine({ bot, dataDir, fake });
  await remote?.cleanup();
  // Nothing may outlive the file: the engine daemon is the one process that would.
  if (engine !== undefined) expect(await isAlive(engine), `engine pid ${engine} still running`).toBe(false);
  if (dataDir) expect(await enginesUsing(dataDir)).toEqual([]);
  if (dataDir && failed) console.error(`kept the bot's data directory (logs under logs/): ${dataDir}`);
  else if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Prints the bot's log tail and the fake's view when the current test fails. */
function showDiagnosticsOnFailure(): void {
  onTestFailed(async () => {
    failed = true;
    console.error(
      [
        `bot log tail (${bot.logFile}):`,
        await bot.logTail(60),
        `fake GitHub requests: ${JSON.stringify(fake.state.requests.map((r) => `${r.method} ${r.path}${r.query} ${r.status}`))}`,
        `unmatched: ${JSON.stringify(fake.state.unmatched)}`,
        `engine log tail:\n${await engineLogTail(dataDir)}`,
      ].join("\n"),
    );
  });
}

function labeledPayload(number: number) {
  return calcIssueLabeledPayload({
    owner: OWNER,
    repo: REPO,
    number,
    cloneUrl: remote.url,
  });
}

/** Parsed JSON lines of the bot's log (pino, LOG_FORMAT=json); other lines are skipped. */
async function logRecords(): Promise<Array<Record<string, unknown>>> {
  const records: Array<Record<string, unknown>> = [];
  for (const line of (await bot.log()).split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      records.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut by a kill
    }
  }
  return records;
}

const isTracking = (c: FakeServerComment) => c.issue === 1 && c.body.includes("fixbot:tracking");
const acceptedDelivery = `e2e-${randomUUID()}`;

describe("fixbot as a real process: signed webhooks over HTTP, a fake GitHub, a local bare remote", () => {
  it("a signed issues.labeled webhook is acknowledged and the run ends with a branch, one PR, one tracking comment and a review", async () => {
    showDiagnosticsOnFailure();
    const labelledAt = performance.now();
    const ack = await bot.sendWebhook("issues", labeledPayload(1), acceptedDelivery);
    timings["webhook ack"] = ack.ms;
    expect(ack.status, ack.body).toBeGreaterThanOrEqual(200);
    expect(ack.status, ack.body).toBeLessThan(300);

    // Nothing outside the process can ask "is the run done": wait for the tracking comment's final header.
    await fake.waitFor(
      (s) => s.comments.some((c) => isTracking(c) && FINAL_HEADER.test(c.body)),
      90_000,
      "the final tracking comment on issue #1",
    );
    timings["label → final comment"] = Math.round(performance.now() - labelledAt);

    const tracking = fake.state.comments.filter(isTracking);
    expect(tracking).toHaveLength(1);
    const comment = tracking[0]!;
    expect(comment.body, comment.body).toContain("fixbot fixed this issue");
    expect(comment.body.startsWith(trackingMarker(acceptedDelivery))).toBe(true);
    expect(comment.versions.some((v) => v.includes("fixbot is working on this issue"))).toBe(true);

    expect(await readRemoteFile(remote.dir, "fixbot/issue-1", "src/calc.js")).toContain("a + b");

    expect(fake.state.pulls).toHaveLength(1);
    const pr = fake.state.pulls[0]!;
    expect(pr).toMatchObject({ repo: `${OWNER}/${REPO}`, head: "fixbot/issue-1", base: "main", draft: false });
    expect(pr.body).toContain("Fixes #1");
    expect(comment.body).toContain(`#${pr.number}`);

    // The review is posted after the PR is recorded and before the final edit: it is there by now, as a pull
    // request review on the pushed commit.
    const reviews = fake.state.reviews.filter((r) => r.repo === `${OWNER}/${REPO}` && r.pull === pr.number);
    expect(reviews).toHaveLength(1);
    expect(reviews[0]!.body).toContain("Reviewed 1 file(s): src/calc.js (+1/-1)");
    expect(reviews[0]!.commitId).toMatch(/^[0-9a-f]{40}$/);
    expect(fake.state.comments.filter((c) => c.issue === pr.number)).toEqual([]);

    // No installation token reached GitHub-visible text, and the bot called nothing the fake does not serve.
    expect(fake.state.tokens.length).toBeGreaterThan(0);
    for (const text of [...fake.state.comments.flatMap((c) => c.versions), pr.body, ...reviews.map((r) => r.body)]) {
      for (const token of fake.state.tokens) expect(text).not.toContain(token);
    }
    expect(fake.state.unmatched, fake.state.unmatched.join("\n")).toEqual([]);
  });

  it("a webhook with a bad signature gets a 4xx and starts nothing", async () => {
    showDiagnosticsOnFailure();
    const deliveryId = `e2e-bad-${randomUUID()}`;
    const requestsBefore = fake.state.requests.length;
    const res = await bot.sendWebhook("issues", labeledPayload(2), deliveryId, { signature: `sha256=${"0".repeat(64)}` });
    expect(res.status, res.body).toBeGreaterThanOrEqual(400);
    expect(res.status, res.body).toBeLessThan(500);
    // The handler enqueues (and logs it) before Probot answers, so a refused delivery has left its trace by now.
    const enqueued = (await logRecords()).filter((r) => r.msg === "fix job enqueued" && r.deliveryId === deliveryId);
    expect(enqueued).toEqual([]);
    expect(fake.state.requests.slice(requestsBefore).filter((r) => r.path.includes("/issues/2"))).toEqual([]);
    expect(fake.state.comments.filter((c) => c.issue === 2)).toEqual([]);
  });

  it("serves /healthz and /readyz (engine reachable, the worker process up, webhooks accepted) next to the webhook endpoint", async () => {
    const health = await fetch(`${bot.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${bot.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", engine: "ok", webhooks: "accepting", worker: "ok" });
  });

  it("the bot's log names the accepted delivery", async () => {
    showDiagnosticsOnFailure();
    const log = await bot.log();
    expect(log).toContain(acceptedDelivery);
    const records = await logRecords();
    expect(records.some((r) => r.msg === "fix job enqueued" && r.deliveryId === acceptedDelivery)).toBe(true);
    expect(records.some((r) => r.msg === "run finished" && r.deliveryId === acceptedDelivery && r.status === "fixed")).toBe(true);
  });

  it("the bot's own children are known to the harness (the engine daemon among them, and excluded from kills)", async () => {
    showDiagnosticsOnFailure();
    expect(engine, "runtime.json names the engine's pid").toBeDefined();
    expect(await isAlive(engine!)).toBe(true);
    expect(await descendantsOf(bot.pid, engine)).not.toContain(engine);
  });

  it("the embedded engine runs with fixbot's failure detection (a dead process is lost after 2.5 s, not RivetKit's 7 s)", async () => {
    showDiagnosticsOnFailure();
    const environ = (await readFile(`/proc/${engine!}/environ`, "utf8")).split("\0");
    expect(environ).toContain("RIVET__PEGBOARD__ENVOY_LOST_THRESHOLD=2500");
    expect(environ).toContain("RIVET__PEGBOARD__ENVOY_ELIGIBLE_THRESHOLD=2000");
    expect(environ).toContain("RIVET__PEGBOARD__ENVOY_UPDATE_PING_INTERVAL=500");
    expect(environ).toContain("RIVET__GUARD__ROUTE_PEGBOARD_RESOLVE_QUERY_TIMEOUT_MS=5000");
  });
});
