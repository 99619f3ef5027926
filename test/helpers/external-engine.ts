import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { engineTuning } from "../../src/runtime/engine.js";

const ROOT = join(import.meta.dirname, "..", "..");
/** The Rivet Engine binary RivetKit ships (the same one its embedded mode spawns). */
export const ENGINE_BINARY = join(ROOT, "node_modules", "@rivetkit", "engine-cli-linux-x64-musl", "rivet-engine");

export interface ExternalEngine {
  /** http://127.0.0.1:<port>: what fixbot processes get as RIVET_ENDPOINT. */
  endpoint: string;
  /** The guard port P (API, gateway and runner connections); P+1 is the peer API, P+10 the metrics. */
  port: number;
  pid: number;
  /** The engine's stdout and stderr. */
  logFile: string;
  /** The last `lines` lines of the engine's log. */
  logTail(lines?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `timeoutMs` (default 10 s); resolves once the process has exited. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Starts a Rivet Engine as a process of its own (not through RivetKit): several fixbot processes share it with
 * RIVET_ENDPOINT=<endpoint> and RIVET_RUN_SERVICES=0, as machines sharing one engine would. Configured only by
 * RIVET__* variables (the ones RivetKit passes to the engine it spawns). All data goes under
 * `<dataDir>/db`, the log to `<dataDir>/engine.log`.
 */
export async function startExternalEngine(params: {
  dataDir: string;
  readyTimeoutMs?: number;
  env?: Record<string, string>;
}): Promise<ExternalEngine> {
  await mkdir(params.dataDir, { recursive: true });
  const port = await freePortBlock();
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Nothing of the test process's own Rivet setup may reach the engine.
  for (const key of Object.keys(env)) if (/^RIVET/.test(key) || key === "RUST_LOG") delete env[key];
  Object.assign(env, {
    RIVET__GUARD__HOST: "127.0.0.1",
    RIVET__GUARD__PORT: String(port),
    RIVET__API_PEER__HOST: "127.0.0.1",
    RIVET__API_PEER__PORT: String(port + 1),
    RIVET__METRICS__HOST: "127.0.0.1",
    RIVET__METRICS__PORT: String(port + 10),
    RIVET__FILE_SYSTEM__PATH: join(params.dataDir, "db"),
    RIVET__FEATURES__GUARD_GATEWAY_V3__MODE: "on",
    RIVET__FEATURES__GUARD_GATEWAY_V3__PERCENTAGE: "100",
    // What fixbot gives the engine it embeds (src/runtime/engine.ts engineTuning, docker-compose.yml): a
    // process's "last seen" written every 0.5 s, ineligible after 2 s unseen, lost after 2.5 s; 5 s actor lookups.
    ...engineTuning(2500),
    RIVET__TELEMETRY__ENABLED: "false",
    ...params.env,
  });

  const logFile = join(params.dataDir, "engine.log");
  const fd = openSync(logFile, "a");
  const child = (() => {
    try {
      return spawn(ENGINE_BINARY, ["start"], { cwd: params.dataDir, env, stdio: ["ignore", fd, fd] });
    } finally {
      closeSync(fd);
    }
  })();
  const pid = child.pid;
  if (pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once("error", resolve));
    throw new Error(`could not start the Rivet Engine (${ENGINE_BINARY}): ${error.message}`);
  }
  let hasExited = false;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      hasExited = true;
      resolve();
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const logTail = async (lines = 40) =>
    (await readFile(logFile, "utf8").catch(() => ""))
      .split("\n")
      .slice(-lines - 1)
      .join("\n");

  const stop = async (timeoutMs = 10_000) => {
    if (hasExited) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (params.readyTimeoutMs ?? 30_000);
  for (;;) {
    // An engine that could not bind its ports exits: never take another process's engine for ours.
    if (hasExited) throw new Error(`the Rivet Engine exited before it was healthy; log tail:\n${await logTail()}`);
    if (await healthy(endpoint)) break;
    if (Date.now() > deadline) {
      const tail = await logTail();
      await stop();
      throw new Error(`the Rivet Engine was not healthy on ${endpoint} after ${params.readyTimeoutMs ?? 30_000} ms; log tail:\n${tail}`);
    }
    await sleep(100);
  }
  if (hasExited) throw new Error(`the Rivet Engine exited right after its health check; log tail:\n${await logTail()}`);
  return { endpoint, port, pid, logFile, logTail, stop };
}

/** True when GET <endpoint>/health answers {"status":"ok"}. */
export async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    if (!res.ok) return false;
    const body = (await res.json()) as { status?: unknown };
    return body.status === "ok";
  } catch {
    return false;
  }
}

/**
 * A random port P with P, P+1 and P+10 free (the engine uses all three), in a range away from the kernel's
 * ephemeral ports, and with no engine answering on P (an engine already there would be mistaken for ours).
 */
async function freePortBlock(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    // Offset 5 in a block of 16: never P, P+1 or P+10 of the embedded engines other files start (engine-env.ts).
    const port = 20_000 + 16 * Math.floor(Math.random() * 750) + 5;
    const free = (await Promise.all([port, port + 1, port + 10].map(portFree))).every(Boolean);
    if (free && !(await healthy(`http://127.0.0.1:${port}`))) return port;
  }
  throw new Error("found no free port block for the Rivet Engine");
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
