import { randomUUID } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "rivetkit/client";
import type { FixbotRegistry } from "../../src/actors/index.js";
import { embeddedEngineToken } from "../../src/runtime/engine-token.js";
import { stepLabel, trackingMarker } from "../../src/github/comment-body.js";
import { engineLogTail, enginesUsing, isAlive, startReadyBot, stopEngine, type BotProcess } from "./bot-process.js";
import { startFakeGitHub, type FakeGitHubServer, type FakeServerComment, type FakeServerPull } from "./fake-github-server.js";
import type { FakeReview } from "./fake-reviews.js";
import { countCommits, createBareRemote, readRemoteFile } from "./git-remote.js";
import { calcIssueLabeledPayload } from "./payloads.js";

/**
 * Crash scenarios against a REAL bot process. A lab is one fake GitHub, one data directory and one embedded engine,
 * with one bot process at a time that a scenario kills and starts again on the same data directory and engine port
 * (the engine daemon outlives the bot and keeps the workflow history). Each scenario has its own repository, bare
 * remote and issue number, so several may share a lab; the crash matrix gives each its own lab, because an engine
 * that has seen several of its runners SIGKILLed was seen to stall creating NEW actors (route_resolve_query_timeout,
 * 15 s per try, for minutes), which would make a later scenario wait for reasons of its own.
 *
 * Every command the bot runs for a scenario (agent, tests, review, and the remote's pre-receive hook) appends a line
 * `<attempt> <epoch ms> <shell pid>` to its own marker file, and can be told to hold (sleep 300 s) on its first
 * start: the tests kill the bot while a marker says "running", never after a guessed sleep.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const AGENTS = join(ROOT, "fixtures", "agents");
const CALC = join(ROOT, "fixtures", "repos", "calc");
export const OWNER = "acme";
export const FINAL_HEADER =
  /fixbot fixed this issue|could not make the tests pass|made NO change|stopped with an error|run was cancelled|ignored this request/;

export type MarkerKind = "agent" | "tests" | "review" | "push";

export interface MarkerLine {
  attempt: number;
  time: number;
  /** The start's FIXBOT_TEST_MARK: its processes carry it in their environment. */
  token: string;
}

/** The engine's record of an actor (GET /actors on the engine), the fields the crash tests read. */
export interface EngineActor {
  actor_id: string;
  key: string;
  sleep_ts: number | null;
  connectable_ts: number | null;
  destroy_ts: number | null;
}

export interface ScenarioOptions {
  /** Agent attempts allowed (maxAttempts). With 2, the agent fixes the bug on its second attempt only. */
  maxAttempts?: 1 | 2;
  /** Hold the agent on the first start of this attempt. */
  holdAgentAttempt?: number;
  /** Hold the first test run. */
  holdTests?: boolean;
  /** Hold the first review. */
  holdReview?: boolean;
  /** Hold the first push in the remote's pre-receive hook. */
  holdPush?: boolean;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A shell command that records its start in `marker`, holds on its first start when `hold` says so, then runs `then`. */
function markedCommand(marker: string, hold: string | undefined, then: string): string {
  // A token per start, exported so the command's processes carry it: the sandbox hides host pids, and the test
  // finds what is still running by this token in /proc/*/environ.
  const record = `FIXBOT_TEST_MARK=$(cat /proc/sys/kernel/random/uuid); export FIXBOT_TEST_MARK; echo "\${FIXBOT_ATTEMPT:-0} $(date +%s%3N) $FIXBOT_TEST_MARK" >> ${q(marker)}`;
  return hold ? `${record}; if ${hold}; then sleep 300; fi; ${then}` : `${record}; ${then}`;
}

export class CrashLab {
  bot: BotProcess | undefined;
  /** Every bot started, for cleanup and for logs. */
  readonly bots: BotProcess[] = [];
  enginePort: number | undefined;
  private readonly remotes: Array<{ cleanup(): Promise<void> }> = [];
  private nextIssue = 11;

  private constructor(
    readonly fake: FakeGitHubServer,
    readonly dataDir: string,
    readonly root: string,
    private readonly botEnv: Record<string, string>,
  ) {}

  /** `botEnv`: extra variables for every bot started (e.g. RIVET_LOG_LEVEL: "debug" to see the actors' alarms). */
  static async create(options: { botEnv?: Record<string, string> } = {}): Promise<CrashLab> {
    const root = await mkdtemp(join(tmpdir(), "fixbot-crash-"));
    const dataDir = join(root, "data");
    await mkdir(dataDir, { recursive: true });
    const fake = await startFakeGitHub({ repos: {} });
    // The commands' markers: the one host directory the sandboxed commands may write besides their workspace.
    const markers = join(root, "markers");
    await mkdir(markers, { recursive: true });
    await chmod(markers, 0o777);
    return new CrashLab(fake, dataDir, root, { FIXBOT_SANDBOX_RW_PATHS: markers, ...options.botEnv });
  }

  /** Starts a bot on the lab's data directory and engine (the first start picks the engine port). Returns when it answers HTTP. */
  async startBot(): Promise<{ bot: BotProcess; startedAt: number; readyMs: number }> {
    if (this.bot && (await isAlive(this.bot.pid))) throw new Error(`a bot is still running (pid ${this.bot.pid})`);
    const startedAt = Date.now();
    const bot = await startReadyBot(
      { fakeGitHub: this.fake, dataDir: this.dataDir, enginePort: this.enginePort, env: this.botEnv },
      { readyTimeoutMs: 90_000, onRetry: (e) => console.warn(`bot start failed, retrying once: ${e.message}`) },
    );
    this.bots.push(bot);
    this.bot = bot;
    this.enginePort = bot.enginePort;
    return { bot, startedAt, readyMs: Date.now() - startedAt };
  }

  /**
   * Sends SIGTERM (graceful stop) and waits up to `timeoutMs` for the bot to exit. Returns how long it took, or
   * undefined if it was still running then (it is SIGKILLed with its descendants in that case).
   */
  async terminate(timeoutMs: number): Promise<number | undefined> {
    const bot = this.requireBot();
    const started = Date.now();
    const exited = await Promise.race([
      bot.kill("SIGTERM").then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), timeoutMs)),
    ]);
    if (exited) return Date.now() - started;
    await bot.kill("SIGKILL", { descendants: true });
    return undefined;
  }

  /** SIGKILLs the running bot (and, with `descendants`, the commands it started; otherwise they are left orphaned). */
  async crash(options: { descendants: boolean; freeze?: boolean }): Promise<number> {
    const bot = this.requireBot();
    const at = Date.now();
    await bot.kill("SIGKILL", options);
    return at;
  }

  requireBot(): BotProcess {
    if (!this.bot) throw new Error("no bot started");
    return this.bot;
  }

  async scenario(slug: string, options: ScenarioOptions = {}): Promise<Scenario> {
    const issue = this.nextIssue++;
    const repo = `calc-${slug}`;
    const remote = await createBareRemote({ fixture: CALC });
    this.remotes.push(remote);
    const markers = join(this.root, "markers", slug);
    await mkdir(markers, { recursive: true });
    await chmod(markers, 0o777);
    const marker = (kind: MarkerKind) => join(markers, `${kind}.log`);
    const firstStart = (kind: MarkerKind) => `[ "$(wc -l < ${q(marker(kind))})" -eq 1 ]`;
    const attemptFirstStart = (n: number) => `[ "$(grep -c '^${n} ' ${q(marker("agent"))})" -eq 1 ]`;

    const maxAttempts = options.maxAttempts ?? 1;
    const agentScript = join(AGENTS, maxAttempts === 2 ? "fix-calc-second-try.sh" : "fix-calc.sh");
    const agent = markedCommand(
      marker("agent"),
      options.holdAgentAttempt ? attemptFirstStart(options.holdAgentAttempt) : undefined,
      `exec ${q(agentScript)}`,
    );
    const tests = markedCommand(marker("tests"), options.holdTests ? firstStart("tests") : undefined, "exec node --test");
    const review = markedCommand(
      marker("review"),
      options.holdReview ? firstStart("review") : undefined,
      `exec ${q(join(AGENTS, "review.sh"))}`,
    );
    this.fake.repos[repo] = {
      owner: OWNER,
      roles: { alice: "write" },
      configYaml: [
        `maxAttempts: ${maxAttempts}`,
        `testCommand: ${JSON.stringify(tests)}`,
        `agent:`,
        `  command: ${JSON.stringify(agent)}`,
        `review:`,
        `  command: ${JSON.stringify(review)}`,
        "",
      ].join("\n"),
    };
    // Every push to the remote records itself; the first one may be held inside the remote (git push is then running).
    const hook = [
      "#!/bin/sh",
      "cat > /dev/null",
      markedCommand(marker("push"), options.holdPush ? firstStart("push") : undefined, "exit 0"),
      "",
    ].join("\n");
    await writeFile(join(remote.dir, "hooks", "pre-receive"), hook);
    await chmod(join(remote.dir, "hooks", "pre-receive"), 0o755);
    return new Scenario(this, slug, repo, issue, remote, marker);
  }

  /** Kills every bot (with descendants) and its orphans, stops the engine, removes the temp dirs. Returns engines left. */
  async cleanup(options: { keep: boolean }): Promise<{ enginesLeft: number[] }> {
    for (const bot of this.bots) {
      await bot.kill("SIGKILL", { descendants: true });
      await bot.killOrphans();
    }
    await stopEngine(this.dataDir);
    const enginesLeft = await enginesUsing(this.dataDir);
    await this.fake.stop();
    for (const remote of this.remotes) await remote.cleanup();
    if (!options.keep) await rm(this.root, { recursive: true, force: true });
    return { enginesLeft };
  }

  /** The engine's fixRun actors (asked over its HTTP API). */
  async engineActors(): Promise<EngineActor[]> {
    if (this.enginePort === undefined) return [];
    const headers = { authorization: `Bearer ${await this.engineToken()}` };
    const res = await fetch(`http://127.0.0.1:${this.enginePort}/actors?namespace=default&name=fixRun`, {
      headers,
      signal: AbortSignal.timeout(5_000),
    });
    return ((await res.json()) as { actors?: EngineActor[] }).actors ?? [];
  }

  /**
   * Sends one request (the `getRuns` action) to a scenario's actor, as a client would: a request wakes an actor the
   * engine keeps asleep. Returns the run statuses it answered with.
   */
  async wakeByRequest(s: Scenario, timeoutMs = 45_000): Promise<string[]> {
    const client = createClient<FixbotRegistry>({
      endpoint: `http://127.0.0.1:${this.requireEnginePort()}`,
      token: await this.engineToken(),
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      const asked = client.fixRun.get([s.fullName.toLowerCase(), String(s.issue)]).getRuns();
      asked.catch(() => undefined);
      const runs = await Promise.race([
        asked,
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
      ]);
      return runs.map((r) => `${r.status}: ${r.steps.map((st) => `${st.name}=${st.status}`).join(", ")}`);
    } finally {
      clearTimeout(timer);
      await Promise.race([client.dispose().catch(() => undefined), new Promise((r) => setTimeout(r, 2_000))]);
    }
  }

  /** The admin token the bots' embedded engine requires (kept in its data directory). */
  engineToken(): Promise<string> {
    return embeddedEngineToken(join(this.dataDir, "engine"));
  }

  requireEnginePort(): number {
    if (this.enginePort === undefined) throw new Error("no engine started");
    return this.enginePort;
  }

  async diagnostics(scenario?: Scenario): Promise<string> {
    const parts: string[] = [];
    const quiet = (text: string) =>
      text
        .split("\n")
        .filter((l) => !l.includes("SQLite"))
        .slice(-30)
        .join("\n");
    for (const bot of this.bots.slice(-2)) parts.push(`bot log tail (${bot.logFile}):\n${quiet(await bot.logTail(200))}`);
    if (scenario) {
      parts.push(
        `requests for ${scenario.repo}: ${JSON.stringify(this.fake.state.requests.filter((r) => r.path.includes(`/${scenario.repo}/`)).map((r) => `${r.method} ${r.path}${r.query} ${r.status}${r.injected ? " (injected)" : ""}`))}`,
      );
      for (const kind of ["agent", "tests", "review", "push"] as const)
        parts.push(`${kind} marker: ${JSON.stringify(await scenario.markerLines(kind))}`);
      parts.push(`tracking comments: ${JSON.stringify(scenario.trackingComments().map((c) => c.body))}`);
    }
    parts.push(`unmatched: ${JSON.stringify(this.fake.state.unmatched)}`);
    parts.push(`engine actors: ${JSON.stringify(await this.engineActors().catch((e: unknown) => String(e)))}`);
    parts.push(
      `engine log tail:\n${(await engineLogTail(this.dataDir, 200))
        .split("\n")
        .filter((l) => !/PerfMeasure|Request failed|^\s+\d+: <unknown>/.test(l))
        .slice(-15)
        .join("\n")}`,
    );
    return parts.join("\n");
  }
}

export class Scenario {
  deliveryId = `crash-${randomUUID()}`;

  constructor(
    readonly lab: CrashLab,
    readonly slug: string,
    readonly repo: string,
    readonly issue: number,
    readonly remote: { dir: string; url: string },
    readonly markerFile: (kind: MarkerKind) => string,
  ) {}

  get fullName(): string {
    return `${OWNER}/${this.repo}`;
  }

  get branch(): string {
    return `fixbot/issue-${this.issue}`;
  }

  /** Path prefix of this repository's API routes (as the fake records them). */
  get apiPrefix(): string {
    return `/repos/${this.fullName}`;
  }

  /** Sends the signed `issues.labeled` webhook that starts the run; throws unless the bot acknowledged it. */
  async label(): Promise<void> {
    const payload = calcIssueLabeledPayload({
      owner: OWNER,
      repo: this.repo,
      number: this.issue,
      cloneUrl: this.remote.url,
    });
    const ack = await this.lab.requireBot().sendWebhook("issues", payload, this.deliveryId);
    if (ack.status < 200 || ack.status >= 300) throw new Error(`the webhook was not acknowledged: ${ack.status} ${ack.body}`);
  }

  trackingComments(): FakeServerComment[] {
    return this.lab.fake.commentsOn(this.repo, this.issue).filter((c) => c.body.includes("fixbot:tracking"));
  }

  pulls(): FakeServerPull[] {
    return this.lab.fake.state.pulls.filter((p) => p.repo === this.fullName);
  }

  /** fixbot's pull request reviews on the pull request. */
  reviews(pullNumber: number): FakeReview[] {
    return this.lab.fake.state.reviews.filter(
      (r) => r.repo === this.fullName && r.pull === pullNumber && r.body.includes("fixbot:pr-review"),
    );
  }

  /** Times of the tracking-comment versions that show `step` running (⏳), optionally only those written after `since`. */
  stepStartTimes(step: string, since = 0): number[] {
    const running = `⏳ ${stepLabel(step)}`;
    const times: number[] = [];
    for (const c of this.trackingComments()) {
      c.versions.forEach((v, i) => {
        const t = c.versionTimes[i] ?? 0;
        if (t > since && v.includes(running)) times.push(t);
      });
    }
    return times.sort((a, b) => a - b);
  }

  /** Resolves once the tracking comment shows `step` running (a version written after `since`). */
  async waitStepRunning(step: string, since = 0, timeoutMs = 90_000): Promise<number> {
    await this.lab.fake.waitFor(
      () => this.stepStartTimes(step, since).length > 0,
      timeoutMs,
      `"${step}" running on ${this.fullName}#${this.issue}`,
    );
    return this.stepStartTimes(step, since)[0]!;
  }

  /** Host pids of processes still running with this start's marker token (the sandbox hides its own pids). */
  static async processesMarked(token: string): Promise<number[]> {
    const pids: number[] = [];
    for (const name of await readdir("/proc").catch(() => [] as string[])) {
      if (!/^\d+$/.test(name)) continue;
      const environ = await readFile(`/proc/${name}/environ`, "utf8").catch(() => "");
      if (environ.split("\0").includes(`FIXBOT_TEST_MARK=${token}`)) pids.push(Number(name));
    }
    return pids;
  }

  async markerLines(kind: MarkerKind): Promise<MarkerLine[]> {
    const text = await readFile(this.markerFile(kind), "utf8").catch(() => "");
    return text
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => {
        const [attempt, time, token] = l.trim().split(/\s+/);
        return { attempt: Number(attempt), time: Number(time), token: token! };
      });
  }

  /** Resolves once `kind`'s marker has at least `lines` lines (polled every 50 ms). */
  async waitMarker(kind: MarkerKind, lines: number, timeoutMs = 90_000): Promise<MarkerLine[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await this.markerLines(kind);
      if (found.length >= lines) return found;
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${lines} line(s) in the ${kind} marker of ${this.slug}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Resolves once the tracking comment carries a final header; returns its body. */
  async waitFinal(timeoutMs = 120_000): Promise<string> {
    await this.lab.fake.waitFor(
      () => this.trackingComments().some((c) => FINAL_HEADER.test(c.body)),
      timeoutMs,
      `the final tracking comment on ${this.fullName}#${this.issue}`,
    );
    return this.trackingComments().find((c) => FINAL_HEADER.test(c.body))!.body;
  }

  /** The engine's record of this scenario's actor. */
  async engineActor(): Promise<EngineActor | undefined> {
    const key = `${this.fullName.toLowerCase().replace("/", "\\/")}/${this.issue}`;
    return (await this.lab.engineActors()).find((a) => a.key === key);
  }

  /**
   * Resolves true once the run shows life after `since` (a request to this repository's routes or a command
   * starting), false if it did not within `timeoutMs`.
   */
  async waitActive(since: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.requests().some((r) => r.time >= since)) return true;
      for (const kind of ["agent", "tests", "review", "push"] as const)
        if ((await this.markerLines(kind)).some((l) => l.time >= since)) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Requests to this repository's routes, optionally filtered by method and a path suffix. */
  requests(method?: string, pathSuffix?: string) {
    return this.lab.fake.state.requests.filter(
      (r) =>
        r.path.startsWith(`${this.apiPrefix}/`) &&
        (method === undefined || r.method === method) &&
        (pathSuffix === undefined || r.path.endsWith(pathSuffix)),
    );
  }

  /** What the run left on GitHub and in the remote, for assertions. */
  async endState() {
    const tracking = this.trackingComments();
    const pulls = this.pulls();
    const pr = pulls[0];
    return {
      tracking,
      trackingMarker: trackingMarker(this.deliveryId),
      pulls,
      reviews: pr ? this.reviews(pr.number) : [],
      calcOnBranch: await readRemoteFile(this.remote.dir, this.branch, "src/calc.js"),
      commitsOnBranch: await countCommits(this.remote.dir, this.branch).catch(() => -1),
      agent: await this.markerLines("agent"),
      tests: await this.markerLines("tests"),
      review: await this.markerLines("review"),
      push: await this.markerLines("push"),
    };
  }
}
