import { randomUUID } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { trackingMarker } from "../../src/github/comment-body.js";
import { descendantsOf, enginesUsing, isAlive, startReadyBot, type BotProcess } from "../helpers/bot-process.js";
import { startExternalEngine, type ExternalEngine } from "../helpers/external-engine.js";
import { startFakeGitHub, type FakeGitHubServer, type FakeServerComment } from "../helpers/fake-github-server.js";
import { countCommits, createBareRemote, readRemoteFile } from "../helpers/git-remote.js";
import { calcIssueLabeledPayload } from "../helpers/payloads.js";

/**
 * More than one machine, on an existing engine: the Rivet Engine runs as a process of its own (as an operator
 * would run it), two fixbot processes with their own data directories connect to it (RIVET_ENDPOINT,
 * RIVET_RUN_SERVICES=0), and one fake GitHub sends webhooks to either. A run works whichever process gets the
 * webhook and whichever runs the actor; and when the process running a step dies (SIGKILL, with its children,
 * as a machine dies), the run finishes on the other one, once: the interrupted step runs again there, nothing
 * before it does. Failover is the run's wake-up alarm (fix-run.ts `tick`) firing on the surviving process once
 * the engine has marked the dead one lost (thresholds lowered in external-engine.ts).
 */

const ROOT = join(import.meta.dirname, "..", "..");
const AGENTS = join(ROOT, "fixtures", "agents");
const CALC = join(ROOT, "fixtures", "repos", "calc");
const OWNER = "acme";
/** Scenario A: a plain repository whose agent fixes the bug at once. */
const REPO = "calc";
/** Scenario B: the agent hangs on its first start (and records every start), fixes the bug on later ones. */
const SLOW_REPO = "calc-failover";
const FINAL_HEADER = /fixbot fixed this issue|could not make the tests pass|made NO change|stopped with an error|was cancelled/;

let root: string;
let engine: ExternalEngine | undefined;
let fake: FakeGitHubServer | undefined;
const remotes: Record<string, Awaited<ReturnType<typeof createBareRemote>>> = {};
const bots: BotProcess[] = [];
let markerFile: string;
let failed = false;
/** Milliseconds measured along the way: printed at the end, never asserted. */
const timings: Record<string, number | string> = {};

/** The agent of SLOW_REPO: appends `date +%s%3N` to the marker, sleeps 300 s on its first start, else fixes. */
function slowFirstAgent(marker: string): string {
  const m = JSON.stringify(marker);
  return `date +%s%3N >> ${m}; if [ "$(wc -l < ${m})" -le 1 ]; then sleep 300; exit 1; fi; exec ${JSON.stringify(join(AGENTS, "fix-calc.sh"))}`;
}

beforeAll(async () => {
  const started = performance.now();
  root = await mkdtemp(join(tmpdir(), "fixbot-failover-"));
  // The agent's marker: in the one host directory the sandboxed agents may write besides their workspace.
  await mkdir(join(root, "markers"), { mode: 0o777 });
  await chmod(join(root, "markers"), 0o777);
  markerFile = join(root, "markers", "agent-starts.txt");
  const [engineStarted, calc, slow] = await Promise.all([
    startExternalEngine({ dataDir: join(root, "engine") }),
    createBareRemote({ fixture: CALC }),
    createBareRemote({ fixture: CALC }),
  ]);
  engine = engineStarted;
  remotes[REPO] = calc;
  remotes[SLOW_REPO] = slow;
  timings["engine start → healthy (+ remotes)"] = Math.round(performance.now() - started);
  fake = await startFakeGitHub({
    repos: {
      [REPO]: {
        owner: OWNER,
        roles: { alice: "write" },
        configYaml: `agent:\n  command: ${JSON.stringify(join(AGENTS, "fix-calc.sh"))}\n`,
      },
      [SLOW_REPO]: {
        owner: OWNER,
        roles: { alice: "write" },
        configYaml: `agent:\n  command: ${JSON.stringify(slowFirstAgent(markerFile))}\n`,
      },
    },
  });
  const botsStarted = performance.now();
  const env = { RIVET_ENDPOINT: engine.endpoint, RIVET_RUN_SERVICES: "0", FIXBOT_SANDBOX_RW_PATHS: join(root, "markers") };
  const started2 = await Promise.allSettled(
    [1, 2].map((n) =>
      startReadyBot(
        { fakeGitHub: fake!, dataDir: join(root, `bot${n}`), env },
        { readyTimeoutMs: 60_000, onRetry: (e) => console.warn(`bot ${n} start failed, retrying once: ${e.message}`) },
      ),
    ),
  );
  for (const r of started2) if (r.status === "fulfilled") bots.push(r.value);
  const failure = started2.find((r) => r.status === "rejected");
  if (failure) {
    failed = true;
    throw (failure as PromiseRejectedResult).reason;
  }
  timings["2 bots start → ready"] = Math.round(performance.now() - botsStarted);
  // Both processes must be registered with the engine before anything is scheduled, or every actor lands on one.
  await waitUntil(async () => (await envoys()).length >= 2, 30_000, "both bot processes registered with the engine");
  timings["2 bots start → registered"] = Math.round(performance.now() - botsStarted);
});

afterAll(async () => {
  console.info(`failover e2e timings (ms; printed, never asserted): ${JSON.stringify(timings)}`);
  for (const bot of bots) {
    await bot.kill("SIGKILL", { descendants: true });
    await bot.killOrphans();
  }
  await engine?.stop();
  await fake?.stop();
  for (const remote of Object.values(remotes)) await remote.cleanup();
  if (!root) return;
  // Nothing may outlive the file: the engine is the process that would.
  if (engine) expect(await isAlive(engine.pid), `engine pid ${engine.pid} still running`).toBe(false);
  expect(await enginesUsing(root), "rivet-engine processes left on this file's directories").toEqual([]);
  if (failed) console.error(`kept the failover test directory (bot logs under bot*/logs, engine log under engine/): ${root}`);
  else await rm(root, { recursive: true, force: true });
});

function diagnoseOnFailure(): void {
  onTestFailed(async () => {
    failed = true;
    const parts = [];
    for (const [i, bot] of bots.entries()) parts.push(`bot ${i + 1} (pid ${bot.pid}) log tail (${bot.logFile}):\n${await bot.logTail(40)}`);
    parts.push(`fake GitHub requests: ${JSON.stringify(fake?.state.requests.map((r) => `${r.method} ${r.path}${r.query} ${r.status}`))}`);
    parts.push(`unmatched: ${JSON.stringify(fake?.state.unmatched)}`);
    parts.push(`marker: ${JSON.stringify(await readFile(markerFile, "utf8").catch(() => ""))}`);
    parts.push(`engine log tail:\n${await engine?.logTail(30)}`);
    console.error(parts.join("\n"));
  });
}

/** The processes (envoys) registered with the engine in the default namespace. */
async function envoys(): Promise<unknown[]> {
  try {
    const res = await fetch(`${engine!.endpoint}/envoys?namespace=default`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return [];
    const body = (await res.json()) as { envoys?: unknown[] };
    return body.envoys ?? [];
  } catch {
    return [];
  }
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function labeled(repo: string, number: number) {
  return calcIssueLabeledPayload({
    owner: OWNER,
    repo,
    number,
    cloneUrl: remotes[repo]!.url,
  });
}

const tracking = (repo: string, issue: number) => fake!.commentsOn(repo, issue).filter((c) => c.body.includes("fixbot:tracking"));
const pullsFor = (repo: string, issue: number) =>
  fake!.state.pulls.filter((p) => p.repo === `${OWNER}/${repo}` && p.head === `fixbot/issue-${issue}`);

async function waitFinal(repo: string, issue: number, timeoutMs = 180_000): Promise<FakeServerComment> {
  await fake!.waitFor(
    () => tracking(repo, issue).some((c) => FINAL_HEADER.test(c.body)),
    timeoutMs,
    `the final tracking comment on ${repo}#${issue}`,
  );
  return tracking(repo, issue).find((c) => FINAL_HEADER.test(c.body))!;
}

/** Parsed JSON lines (pino) of a bot's log. */
async function logRecords(bot: BotProcess): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of (await bot.log()).split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut by a kill
    }
  }
  return out;
}

/** Indexes of the bots whose logs say they finished the run of this delivery. */
async function finishedBy(deliveryId: string): Promise<number[]> {
  const found: number[] = [];
  for (const [i, bot] of bots.entries()) {
    if ((await logRecords(bot)).some((r) => r.msg === "run finished" && r.deliveryId === deliveryId)) found.push(i);
  }
  return found;
}

/** The end state of a fixed run: one tracking comment, one PR, the fix on the branch in one commit. */
async function expectFixed(repo: string, issue: number, deliveryId: string): Promise<FakeServerComment> {
  const comments = tracking(repo, issue);
  expect(comments, "exactly one tracking comment").toHaveLength(1);
  const comment = comments[0]!;
  expect(comment.body, comment.body).toContain("fixbot fixed this issue");
  expect(comment.body.startsWith(trackingMarker(deliveryId))).toBe(true);
  const pulls = pullsFor(repo, issue);
  expect(pulls, "exactly one pull request").toHaveLength(1);
  expect(pulls[0]).toMatchObject({ base: "main", draft: false });
  expect(pulls[0]!.body).toContain(`Fixes #${issue}`);
  expect(comment.body).toContain(`#${pulls[0]!.number}`);
  expect(await readRemoteFile(remotes[repo]!.dir, `fixbot/issue-${issue}`, "src/calc.js"), "the branch holds the fix").toContain("a + b");
  expect(await countCommits(remotes[repo]!.dir, `fixbot/issue-${issue}`), "one fix commit on the branch").toBe(1);
  return comment;
}

describe("more than one machine, on an existing engine", () => {
  it("runs to the end whichever process gets the webhook: one issue through bot 1, another through bot 2", async () => {
    diagnoseOnFailure();
    const ids = [`failover-a1-${randomUUID()}`, `failover-a2-${randomUUID()}`];
    const started = performance.now();
    const acks = await Promise.all([
      bots[0]!.sendWebhook("issues", labeled(REPO, 1), ids[0]),
      bots[1]!.sendWebhook("issues", labeled(REPO, 2), ids[1]),
    ]);
    for (const ack of acks) expect(ack.status, ack.body).toBeGreaterThanOrEqual(200);
    for (const ack of acks) expect(ack.status, ack.body).toBeLessThan(300);
    await Promise.all([waitFinal(REPO, 1), waitFinal(REPO, 2)]);
    timings["scenario A: 2 labels → both final comments"] = Math.round(performance.now() - started);

    await expectFixed(REPO, 1, ids[0]!);
    await expectFixed(REPO, 2, ids[1]!);
    // Each run was finished by exactly one process (the one the engine put its actor on, not necessarily the one
    // that got the webhook).
    const by = await Promise.all(ids.map(finishedBy));
    for (const b of by) expect(b).toHaveLength(1);
    timings["scenario A: runs finished on"] = by.map((b, i) => `issue ${i + 1} → bot ${b[0]! + 1}`).join(", ");
    expect(fake!.state.unmatched, fake!.state.unmatched.join("\n")).toEqual([]);
  });

  it("a run whose process dies mid-step finishes on the other process, once", async () => {
    diagnoseOnFailure();
    const issue = 3;
    const deliveryId = `failover-b-${randomUUID()}`;
    const ack = await bots[0]!.sendWebhook("issues", labeled(SLOW_REPO, issue), deliveryId);
    expect(ack.status, ack.body).toBeLessThan(300);

    // The agent has started (first marker line) and hangs: find the one process it runs under.
    await waitUntil(
      async () => (await readFile(markerFile, "utf8").catch(() => "")).trim().split("\n").filter(Boolean).length >= 1,
      180_000,
      "the agent's first start",
    );
    const agentPids: number[][] = [];
    for (const bot of bots) {
      const pids: number[] = [];
      for (const pid of await descendantsOf(bot.pid)) {
        const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
        // The agent's shell (its command line names the marker) and what it runs (the sleep).
        if (cmdline.includes(markerFile)) pids.push(pid, ...(await descendantsOf(pid)));
      }
      agentPids.push(pids);
    }
    const owners = agentPids.map((p, i) => (p.length > 0 ? i : -1)).filter((i) => i >= 0);
    expect(owners, `bots running the agent (agent pids per bot: ${JSON.stringify(agentPids)})`).toHaveLength(1);
    const victimIndex = owners[0]!;
    const victim = bots[victimIndex]!;
    const survivor = bots[1 - victimIndex]!;
    timings["scenario B: agent ran first on"] = `bot ${victimIndex + 1}`;

    // The machine dies: the bot and everything it started (its agent), at once.
    const killedAt = Date.now();
    await victim.kill("SIGKILL", { descendants: true });
    for (const pid of agentPids[victimIndex]!) expect(await isAlive(pid), `agent pid ${pid} of the killed bot`).toBe(false);

    const comment = await waitFinal(SLOW_REPO, issue, 180_000);
    const finalAt = comment.versionTimes.at(-1)!;
    const starts = (await readFile(markerFile, "utf8")).trim().split("\n").map(Number);
    timings["scenario B: failover (kill → agent step starts again on the other bot)"] =
      starts[1] !== undefined ? starts[1] - killedAt : "not seen";
    timings["scenario B: kill → final comment"] = finalAt - killedAt;
    console.info(
      `failover: kill → interrupted step restarted on bot ${2 - victimIndex}: ${starts[1] !== undefined ? starts[1] - killedAt : "?"} ms (goal < 5000 ms)`,
    );

    await expectFixed(SLOW_REPO, issue, deliveryId);
    // The interrupted attempt ran again once, after the kill; nothing else started the agent.
    expect(starts, `agent starts (epoch ms): ${JSON.stringify(starts)}`).toHaveLength(2);
    expect(starts[0]!).toBeLessThan(killedAt);
    expect(starts[1]!).toBeGreaterThanOrEqual(killedAt);
    const lines = comment.body.split("\n");
    expect(
      lines.find((l) => l.includes("Clone the repository")),
      comment.body,
    ).toMatch(/^- \[x\] /);
    expect(
      lines.find((l) => l.includes("Agent edits the code (attempt 1)")),
      comment.body,
    ).toMatch(/^- \[x\] /);
    expect(
      lines.some((l) => l.includes("Agent edits the code (attempt 2)")),
      "no second attempt",
    ).toBe(false);
    // Every version of the tracking comment, with the time it was written: the agent step shows running before
    // the kill and again after it (the re-run on the survivor); no step before it shows running after the kill.
    const running = (label: string, from: number, to: number) =>
      comment.versions.filter(
        (v, i) =>
          comment.versionTimes[i]! >= from &&
          comment.versionTimes[i]! < to &&
          v.split("\n").some((l) => l.startsWith("- [ ] ⏳ ") && l.includes(label)),
      );
    expect(running("Agent edits the code (attempt 1)", 0, killedAt).length, "agent step shown running before the kill").toBeGreaterThan(0);
    expect(
      running("Agent edits the code (attempt 1)", killedAt, Infinity).length,
      "agent step shown running again after the kill",
    ).toBeGreaterThan(0);
    for (const before of ["Check the request", "Clone the repository"]) {
      expect(running(before, killedAt, Infinity), `"${before}" did not run again after the kill`).toEqual([]);
    }
    const rerunShown = comment.versionTimes.find(
      (t, i) => t >= killedAt && comment.versions[i]!.includes("- [ ] ⏳ Agent edits the code (attempt 1)"),
    );
    timings["scenario B: kill → agent step shown running again (comment)"] = rerunShown === undefined ? "not seen" : rerunShown - killedAt;
    // StepView.starts is documented to count a resume after a crash; recorded here, not asserted (see the report).
    timings["scenario B: final comment says the agent step 'started 2 times'"] = String(
      /Agent edits the code \(attempt 1\).*started 2 times/.test(comment.body),
    );

    // The run finished on the survivor: its log records the outcome, the dead bot's does not. The survivor's
    // clean repository was created after the kill (the re-run agent step prepared it: base commit fetched from
    // the remote), the killed bot's is the one its clone step made.
    expect(await finishedBy(deliveryId)).toEqual([1 - victimIndex]);
    const workspace = (bot: BotProcess) => join(String(bot.env.FIXBOT_DATA_DIR), "workspaces", OWNER, SLOW_REPO, String(issue));
    const cleanRepo = (bot: BotProcess) => join(String(bot.env.FIXBOT_DATA_DIR), "git", OWNER, SLOW_REPO, `${issue}.git`);
    const survivorClonedAt = (await stat(join(cleanRepo(survivor), "description"))).mtimeMs;
    expect(survivorClonedAt).toBeGreaterThanOrEqual(killedAt);
    const victimClonedAt = (await stat(join(cleanRepo(victim), "description"))).mtimeMs;
    expect(victimClonedAt).toBeLessThan(starts[0]!);
    expect(await readFile(join(workspace(survivor), "src", "calc.js"), "utf8")).toContain("a + b");

    // Nothing the dead process started is alive, and the survivor has no agent left either.
    expect(await victim.killOrphans()).toEqual([]);
    const leftover = [];
    for (const pid of await descendantsOf(survivor.pid)) {
      if ((await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).includes(markerFile)) leftover.push(pid);
    }
    expect(leftover).toEqual([]);
    expect(fake!.state.unmatched, fake!.state.unmatched.join("\n")).toEqual([]);
  });
});
