import { spawn } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { stopEmbeddedEngine } from "../../src/runtime/engine.js";
import { generatePrivateKey } from "./app-key.js";
import { isolateEngineEnv } from "./engine-env.js";

const ROOT = join(import.meta.dirname, "..", "..");

/** The webhook secret every bot started here verifies signatures with. */
export const TEST_WEBHOOK_SECRET = "fixbot-e2e-webhook-secret";
export const WEBHOOK_PATH = "/api/github/webhooks";

/** Log line prefix of a request the redirect shim sent to the fake instead of https://api.github.com. */
export const REDIRECT_MARK = "[e2e-redirect]";

/**
 * Preloaded into the bot (with `redirectGitHubCom`): sends fetch calls aimed at https://api.github.com to the fake
 * GitHub and logs each one. Needed because Probot 14 gives @octokit/auth-app a `request` without the GHES baseUrl,
 * so `(await probot.auth(id)).auth({ type: "installation" })` (src/github/installation-access.ts) asks
 * api.github.com for the token even with GHE_HOST set. Once that is fixed the shim sees no such call.
 */
const REDIRECT_SHIM = `
const target = process.env.E2E_REDIRECT_GITHUB_COM_TO;
if (target) {
  const original = globalThis.fetch;
  const prefix = "https://api.github.com";
  globalThis.fetch = (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url === prefix || url.startsWith(prefix + "/")) {
      const to = target + url.slice(prefix.length);
      const method = (init && init.method) || (input instanceof Request ? input.method : "GET");
      process.stderr.write(${JSON.stringify(REDIRECT_MARK)} + " " + method + " " + url + " -> " + to + "\\n");
      return original(input instanceof Request ? new Request(to, input) : to, init);
    }
    return original(input, init);
  };
}
`;

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
  /** Sends a webhook signed with X-Hub-Signature-256 (or with `signature` as given, to test rejections). */
  sendWebhook(name: string, payload: object, deliveryId?: string, options?: { signature?: string; timeoutMs?: number }): Promise<{ status: number; ms: number; body: string; deliveryId: string }>;
  /**
   * Signals the bot (default SIGKILL) and resolves when it has exited. With `descendants`, its child processes
   * (agents, git, test runners: they run in their own process groups and would be orphaned) get the signal too;
   * the embedded engine never does.
   */
  kill(signal?: NodeJS.Signals, options?: { descendants?: boolean }): Promise<void>;
  /** Exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Signal that ended the process, once it has exited. */
  exitSignal(): NodeJS.Signals | null;
  /** The log so far (whole file). */
  log(): Promise<string>;
  /** The last `lines` lines of the log. */
  logTail(lines?: number): Promise<string>;
  /** Requests the redirect shim moved from https://api.github.com to the fake ("METHOD url"), from the log. */
  redirectedRequests(): Promise<string[]>;
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
  fakeGitHub: { host: string };
  dataDir: string;
  /** Reuse the engine of an earlier start (same dataDir). Default: a random port block. */
  enginePort?: number;
  /** The bot's HTTP port. Default: a free one. */
  port?: number;
  /** Extra or overriding variables (e.g. LOG_LEVEL: "debug"). */
  env?: Record<string, string>;
  /** Where the log goes (default `<dataDir>/logs/bot-<time>-<random>.log`, a new file per start). */
  logFile?: string;
  /**
   * Preload a shim that sends calls to https://api.github.com to the fake instead (default true): works around
   * the installation-token request ignoring GHE_HOST (see REDIRECT_SHIM). Each such call is logged with REDIRECT_MARK.
   */
  redirectGitHubCom?: boolean;
}): Promise<BotProcess> {
  const port = params.port ?? (await freePort());
  const env = baseEnv();
  const randomEnginePort = isolateEngineEnv(env);
  const enginePort = params.enginePort ?? randomEnginePort;
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
    GIT_TERMINAL_PROMPT: "0",
    ...(params.redirectGitHubCom === false ? {} : { E2E_REDIRECT_GITHUB_COM_TO: `http://${params.fakeGitHub.host}/api/v3` }),
    ...params.env,
  });

  const logDir = join(params.dataDir, "logs");
  await mkdir(logDir, { recursive: true });
  const logFile = params.logFile ?? join(logDir, `bot-${new Date().toISOString().replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}.log`);
  const fd = openSync(logFile, "a");
  const child = (() => {
    try {
      const shim = params.redirectGitHubCom === false ? [] : ["--import", `data:text/javascript,${encodeURIComponent(REDIRECT_SHIM)}`];
      return spawn(process.execPath, ["--import", "tsx", ...shim, join("src", "server.ts")], { cwd: ROOT, env, stdio: ["ignore", fd, fd] });
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
  const log = () => readFile(logFile, "utf8").catch(() => "");
  const logTail = async (lines = 60) => (await log()).split("\n").slice(-lines - 1).join("\n");
  let orphans: ProcessRef[] = [];

  const sendWebhook: BotProcess["sendWebhook"] = async (name, payload, deliveryId = randomUUID(), options = {}) => {
    const body = JSON.stringify(payload);
    const signature = options.signature ?? signWebhook(body);
    const started = performance.now();
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
    const text = await res.text();
    return { status: res.status, ms: Math.round(performance.now() - started), body: text, deliveryId };
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
    async redirectedRequests() {
      return (await log())
        .split("\n")
        .filter((l) => l.startsWith(REDIRECT_MARK))
        .map((l) => l.slice(REDIRECT_MARK.length + 1).split(" -> ")[0]!);
    },
    async killOrphans() {
      const killed: number[] = [];
      for (const ref of orphans) {
        if ((await startTimeOf(ref.pid)) !== ref.startTime) continue;
        try {
          process.kill(ref.pid, "SIGKILL");
          killed.push(ref.pid);
        } catch {
          // already gone
        }
      }
      orphans = [];
      return killed;
    },
    async waitReady(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (hasExited) throw new Error(`the bot exited (code ${await exited}, signal ${exitSignal}) before it was ready; log tail:\n${await logTail()}`);
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
      const children = await descendantsOf(pid, await enginePid(params.dataDir));
      const refs = (await Promise.all(children.map(async (p) => ({ pid: p, startTime: await startTimeOf(p) })))).filter((r): r is ProcessRef => r.startTime !== undefined);
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
      if (options.descendants) {
        for (const ref of refs) {
          try {
            process.kill(ref.pid, signal);
          } catch {
            // already gone
          }
        }
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
    const runtime = JSON.parse(await readFile(join(dataDir, "engine", ".rivetkit", "var", "engine", "runtime.json"), "utf8")) as { pid?: number };
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

/** Every descendant of `pid` (from /proc), children before grandchildren, except `exclude` and its own descendants. */
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
      if (child === exclude) continue;
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Stops the embedded engine whose data lives under `<dataDir>/engine` (SIGTERM, then SIGKILL after 10 s). */
export async function stopEngine(dataDir: string): Promise<void> {
  await stopEmbeddedEngine(join(dataDir, "engine"));
}

/** Waits until GET <engine>/health answers ok (the engine a restarted bot will reuse). */
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
