import { spawn } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { stopEmbeddedEngine } from "../../src/runtime/engine.js";
import { generatePrivateKey } from "./app-key.js";
import type { WebhookTarget } from "./fake-github-server.js";
import { isolateEngineEnv } from "./engine-env.js";

const ROOT = join(import.meta.dirname, "..", "..");

/** The webhook secret every bot started here verifies signatures with. */
export const TEST_WEBHOOK_SECRET = "fixbot-e2e-webhook-secret";
export const WEBHOOK_PATH = "/api/github/webhooks";

/** What startBot uses of the fake GitHub: its host, and (optionally) its webhook delivery log and target. */
export interface FakeGitHubLink {
  host: string;
  setWebhookTarget?(target: WebhookTarget | undefined): void;
  recordDelivery?(delivery: { guid: string; event: string; payload: object; statusCode: number }): unknown;
}

export interface BotProcess {
  pid: number;
  /** The bot's HTTP port (Probot's server on 127.0.0.1). */
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** The embedded engine's port (RIVET_RUN_ENGINE_PORT): pass it to the next startBot to reuse the engine. */
  enginePort: number;
  /** stdout and stderr of the process, appended as they come (written by the child itself, so complete even after SIGKILL). */
  logFile: string;
  /** The environment the child was started with. */
  env: NodeJS.ProcessEnv;
  /** Polls until POST /api/github/webhooks answers (any HTTP status); rejects if the process exits first. */
  waitReady(timeoutMs?: number): Promise<void>;
  /**
   * Sends a webhook signed with X-Hub-Signature-256 (or with `signature` as given, to test rejections). Never
   * throws: an unreachable bot gives status 0. Correctly signed deliveries are recorded in the fake's delivery
   * log (what GET /app/hook/deliveries lists), with the status the bot answered.
   */
  sendWebhook(
    name: string,
    payload: object,
    deliveryId?: string,
    options?: { signature?: string; timeoutMs?: number },
  ): Promise<{ status: number; ms: number; body: string; deliveryId: string }>;
  /**
   * Signals the bot (default SIGKILL) and resolves when it has exited. With `descendants`, its child processes
   * (agents, git, test runners: they run in their own process groups and would be orphaned) get the signal too;
   * the embedded engine never does. A SIGKILL first freezes the bot (SIGSTOP) while its children are listed, unless
   * `freeze: false`: then the bot keeps running until the signal (a frozen bot keeps its engine connection open
   * but answers nothing, which is not what an instant crash looks like to the engine).
   */
  kill(signal?: NodeJS.Signals, options?: { descendants?: boolean; freeze?: boolean }): Promise<void>;
  /** Exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Signal that ended the process, once it has exited. */
  exitSignal(): NodeJS.Signals | null;
  /** The log so far (whole file). */
  log(): Promise<string>;
  /** The last `lines` lines of the log. */
  logTail(lines?: number): Promise<string>;
  /**
   * Kills (SIGKILL) what is left of the processes the bot had started when `kill()` was called without
   * `descendants` (agents orphaned by a crash), except the engine. Checked by pid and start time.
   */
  killOrphans(): Promise<number[]>;
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released: small race, fine for tests). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The environment of the test process without anything that would configure the bot, git or a nested test runner. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const drop = [
    /^VITEST/,
    /^TINYPOOL/,
    /^NODE_OPTIONS$/,
    /^NODE_TEST_CONTEXT$/,
    /^NODE_ENV$/,
    /^GIT_(DIR|WORK_TREE|INDEX_FILE)$/,
    /^(APP_ID|PRIVATE_KEY|PRIVATE_KEY_PATH|WEBHOOK_SECRET|WEBHOOK_PATH|WEBHOOK_PROXY_URL|GHE_HOST|GHE_PROTOCOL|PORT|HOST|LOG_LEVEL|LOG_FORMAT|LOG_LEVEL_IN_STRING|LOG_MESSAGE_KEY|REDIS_URL|SENTRY_DSN)$/,
    /^FIXBOT_/,
    /^RIVET/,
    /^RUST_LOG$/,
  ];
  for (const key of Object.keys(env)) if (drop.some((re) => re.test(key))) delete env[key];
  return env;
}

/**
 * Starts fixbot as a real child process (`node --import tsx src/server.ts`) against a fake GitHub, with the
 * embedded Rivet Engine isolated under `dataDir`. The engine is a separate daemon that outlives the bot: a
 * restart with the same `dataDir` and `enginePort` reconnects to it. Call `stopEngine(dataDir)` when done.
 */
export async function startBot(params: {
  /** The fake GitHub (startFakeGitHub's result, or just its host). Its webhook target becomes this bot. */
  fakeGitHub: FakeGitHubLink;
  dataDir: string;
  /** Reuse the engine of an earlier start (same dataDir). Default: a random port block. */
  enginePort?: number;
  /** The bot's HTTP port. Default: a free one. */
  port?: number;
  /** Extra or overriding variables (e.g. LOG_LEVEL: "debug"). */
  env?: Record<string, string>;
  /** Where the log goes (default `<dataDir>/logs/bot-<time>-<random>.log`, a new file per start). */
  logFile?: string;
}): Promise<BotProcess> {
  const port = params.port ?? (await freePort());
  const env = baseEnv();
  const randomEnginePort = isolateEngineEnv(env);
  const enginePort = params.enginePort ?? randomEnginePort;
  delete env.RUST_LOG;
  Object.assign(env, {
    RIVET_RUN_ENGINE_PORT: String(enginePort),
    APP_ID: "1",
    PRIVATE_KEY: generatePrivateKey(),
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    GHE_HOST: params.fakeGitHub.host,
    GHE_PROTOCOL: "http",
    PORT: String(port),
    HOST: "127.0.0.1",
    FIXBOT_DATA_DIR: params.dataDir,
    LOG_LEVEL: "info",
    LOG_FORMAT: "json",
    NODE_ENV: "test",
    FIXBOT_GITHUB_THROTTLE: "off",
    // The fixture agents, named by absolute path in the tests' configs, visible read-only in the sandbox.
    FIXBOT_SANDBOX_RO_PATHS: join(ROOT, "fixtures"),
    GIT_TERMINAL_PROMPT: "0",
    // Rivet's own warnings (engine crashes, lost connections) belong in the log; isolateEngineEnv silences them.
    RIVET_LOG_LEVEL: "warn",
    ...params.env,
  });

  const logDir = join(params.dataDir, "logs");
  await mkdir(logDir, { recursive: true });
  const logFile = params.logFile ?? join(logDir, `bot-${new Date().toISOString().replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}.log`);
  const fd = openSync(logFile, "a");
  const child = (() => {
    try {
      return spawn(process.execPath, ["--import", "tsx", join("src", "server.ts")], { cwd: ROOT, env, stdio: ["ignore", fd, fd] });
    } finally {
      closeSync(fd);
    }
  })();
  const pid = child.pid;
  if (pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once("error", resolve));
    throw new Error(`could not start the bot: ${error.message}`);
  }

  let exitSignal: NodeJS.Signals | null = null;
  let hasExited = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code, signal) => {
      hasExited = true;
      exitSignal = signal;
      resolve(code);
    });
  });
  const url = `http://127.0.0.1:${port}`;
  // GitHub sends the App's webhooks (and the redeliveries the bot asks for) to the bot running now.
  params.fakeGitHub.setWebhookTarget?.({ url: `${url}${WEBHOOK_PATH}`, secret: String(env.WEBHOOK_SECRET) });
  const log = () => readFile(logFile, "utf8").catch(() => "");
  const logTail = async (lines = 60) =>
    (await log())
      .split("\n")
      .slice(-lines - 1)
      .join("\n");
  let orphans: ProcessRef[] = [];

  const sendWebhook: BotProcess["sendWebhook"] = async (name, payload, deliveryId = randomUUID(), options = {}) => {
    const body = JSON.stringify(payload);
    const signature = options.signature ?? signWebhook(body, String(env.WEBHOOK_SECRET));
    const started = performance.now();
    let status: number;
    let text: string;
    try {
      const res = await fetch(`${url}${WEBHOOK_PATH}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "GitHub-Hookshot/fixbot-e2e",
          "x-github-event": name,
          "x-github-delivery": deliveryId,
          "x-github-hook-id": "1",
          "x-github-hook-installation-target-type": "integration",
          "x-github-hook-installation-target-id": "1",
          "x-hub-signature-256": signature,
        },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      status = res.status;
      text = await res.text();
    } catch (error) {
      // Refused, reset (the bot was killed mid-request) or timed out: what GitHub records as a failed delivery.
      status = 0;
      text = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ""}` : String(error);
    }
    // A forged signature is not GitHub's delivery: only correctly signed ones enter the fake's delivery log.
    if (options.signature === undefined) params.fakeGitHub.recordDelivery?.({ guid: deliveryId, event: name, payload, statusCode: status });
    return { status, ms: Math.round(performance.now() - started), body: text, deliveryId };
  };

  return {
    pid,
    port,
    url,
    enginePort,
    logFile,
    env,
    exited,
    exitSignal: () => exitSignal,
    log,
    logTail,
    sendWebhook,
    async killOrphans() {
      const killed: number[] = [];
      for (const ref of orphans) {
        if ((await startTimeOf(ref.pid)) !== ref.startTime || !(await isAlive(ref.pid))) continue;
        if (signalPid(ref.pid, "SIGKILL")) killed.push(ref.pid);
      }
      orphans = [];
      return killed;
    },
    async waitReady(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (hasExited)
          throw new Error(`the bot exited (code ${await exited}, signal ${exitSignal}) before it was ready; log tail:\n${await logTail()}`);
        try {
          // An unsigned empty POST: Probot answers 400 once its server listens.
          await fetch(`${url}${WEBHOOK_PATH}`, { method: "POST", body: "", signal: AbortSignal.timeout(1000) });
          return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`the bot was not ready after ${timeoutMs} ms; log tail:\n${await logTail()}`);
        await sleep(100);
      }
    },
    async kill(signal = "SIGKILL", options = {}) {
      if (hasExited) return;
      // Frozen, the bot cannot start another child between the snapshot and the kill.
      const freeze = signal === "SIGKILL" && options.freeze !== false;
      if (freeze) signalPid(pid, "SIGSTOP");
      const children = await descendantsOf(pid);
      const refs = (await Promise.all(children.map(async (p) => ({ pid: p, startTime: await startTimeOf(p) })))).filter(
        (r): r is ProcessRef => r.startTime !== undefined,
      );
      signalPid(pid, signal);
      if (options.descendants) {
        for (const ref of refs) signalPid(ref.pid, signal);
      } else {
        orphans.push(...refs);
      }
      await exited;
    },
  };
}

/** `sha256=<hex HMAC of the body>` with the test webhook secret, as GitHub signs deliveries. */
export function signWebhook(body: string, secret = TEST_WEBHOOK_SECRET): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** The pid of the embedded engine recorded under a bot's data directory, if any. */
export async function enginePid(dataDir: string): Promise<number | undefined> {
  try {
    const runtime = JSON.parse(await readFile(join(dataDir, "engine", ".rivetkit", "var", "engine", "runtime.json"), "utf8")) as {
      pid?: number;
    };
    return typeof runtime.pid === "number" ? runtime.pid : undefined;
  } catch {
    return undefined;
  }
}

interface ProcessRef {
  pid: number;
  startTime: string;
}

/** A process's start time (field 22 of /proc/<pid>/stat): with the pid, it names one process for good. */
async function startTimeOf(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  if (!stat) return undefined;
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}

/** True while a process with this pid exists (and is not a zombie). */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  return !/^\d+ \(.*\) Z /.test(stat);
}

/**
 * Every descendant of `pid` (from /proc), children before grandchildren, except Rivet Engine daemons, `exclude`,
 * and their own descendants.
 */
export async function descendantsOf(pid: number, exclude?: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // pid (comm) state ppid ...; comm may contain spaces and parentheses: split after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!Number.isFinite(ppid)) continue;
    const list = parents.get(ppid) ?? [];
    list.push(Number(entry));
    parents.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      if (child === exclude || (await isEngineProcess(child))) continue;
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

async function isEngineProcess(pid: number): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  return /(^|\/)rivet-engine\0/.test(cmdline);
}

/**
 * Pids of the Rivet Engine daemons keeping their data under `dataDir` (found by RIVET__FILE_SYSTEM__PATH in
 * /proc/<pid>/environ), whether or not runtime.json names them.
 */
export async function enginesUsing(dataDir: string): Promise<number[]> {
  const found: number[] = [];
  const prefix = `RIVET__FILE_SYSTEM__PATH=${dataDir.replace(/\/+$/, "")}/`;
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || !(await isEngineProcess(Number(entry)))) continue;
    const environ = await readFile(`/proc/${entry}/environ`, "utf8").catch(() => "");
    if (environ.split("\0").some((v) => v.startsWith(prefix)) && (await isAlive(Number(entry)))) found.push(Number(entry));
  }
  return found;
}

/**
 * Stops the embedded engine whose data lives under `<dataDir>/engine`: by the pid in runtime.json (SIGTERM, then
 * SIGKILL after 10 s), then any other engine still using the directory (one that never wrote runtime.json).
 */
export async function stopEngine(dataDir: string): Promise<void> {
  await stopEmbeddedEngine(join(dataDir, "engine"));
  let left = await enginesUsing(dataDir);
  for (const pid of left) signalPid(pid, "SIGTERM");
  const deadline = Date.now() + 5000;
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(100);
    left = await enginesUsing(dataDir);
  }
  for (const pid of left) signalPid(pid, "SIGKILL");
}

/** The last lines of the embedded engine's own stdout/stderr logs under `dataDir` (empty when it wrote none). */
export async function engineLogTail(dataDir: string, lines = 30): Promise<string> {
  const dir = join(dataDir, "engine", ".rivetkit", "var", "logs", "rivet-engine");
  const files = (await readdir(dir).catch(() => [] as string[])).sort();
  const parts: string[] = [];
  for (const file of files) {
    const text = await readFile(join(dir, file), "utf8").catch(() => "");
    if (text.trim())
      parts.push(
        `== ${file}\n${text
          .split("\n")
          .slice(-lines - 1)
          .join("\n")}`,
      );
  }
  return parts.join("\n");
}

/**
 * startBot, then waitReady. When the process exits before it is ready (e.g. RivetKit's "Engine health check
 * failed" on a loaded machine), the start is retried (default once more) with the same parameters after stopping
 * whatever engine the failed start left; the failed attempt's log stays in `<dataDir>/logs`.
 */
export async function startReadyBot(
  params: Parameters<typeof startBot>[0],
  options: { readyTimeoutMs?: number; attempts?: number; onRetry?: (failure: Error) => void } = {},
): Promise<BotProcess> {
  const attempts = options.attempts ?? 2;
  for (let attempt = 1; ; attempt++) {
    const bot = await startBot(params);
    try {
      await bot.waitReady(options.readyTimeoutMs);
      return bot;
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      const exitedEarly = await Promise.race([bot.exited.then(() => true), sleep(0).then(() => false)]);
      await bot.kill("SIGKILL", { descendants: true });
      if (!exitedEarly || attempt >= attempts) {
        const engineLog = await engineLogTail(params.dataDir);
        throw new Error(`${failure.message}${engineLog ? `\nengine log:\n${engineLog}` : ""}`, { cause: error });
      }
      options.onRetry?.(failure);
      // Reusing an engine (params.enginePort) means it was already up: leave it. Otherwise clear the half-started one.
      if (params.enginePort === undefined) await stopEngine(params.dataDir);
    }
  }
}

/** Sends a signal; false when the process is already gone. */
function signalPid(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** True when the engine on this port answers GET /health (the engine a restarted bot will reuse). */
export async function engineHealthy(enginePort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${enginePort}/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The end of a file that started one bot: the bot and everything it started killed, its engine stopped, the fake closed. */
export async function stopBotAndEngine(params: {
  bot: BotProcess | undefined;
  dataDir: string | undefined;
  fake?: { stop(): Promise<void> };
}): Promise<void> {
  if (params.bot) {
    await params.bot.kill("SIGKILL", { descendants: true });
    await params.bot.killOrphans();
  }
  if (params.dataDir) await stopEngine(params.dataDir);
  await params.fake?.stop();
}
