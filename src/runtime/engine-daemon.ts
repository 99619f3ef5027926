import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { closeSync, openSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";

/**
 * fixbot starts the local Rivet Engine itself, the way RivetKit's embedded mode does (same binary, same data
 * layout under `<storagePath>/.rivetkit/var`, same settings), with one difference: how fast the engine gives up
 * on a fixbot process that stopped answering. RivetKit's embedded engine declares a process lost after 7 s and
 * cannot be told otherwise; here it is 3 s, so a run whose process was killed resumes about 4 s sooner.
 * The engine is a daemon: it outlives the process that started it, and the next start reuses it.
 */

/** How long (ms) the engine waits for a silent process: no new actors after ELIGIBLE, its actors asleep after LOST. */
export const FAILOVER_THRESHOLDS = {
  RIVET__PEGBOARD__ENVOY_ELIGIBLE_THRESHOLD: "2000",
  RIVET__PEGBOARD__RUNNER_ELIGIBLE_THRESHOLD: "2000",
  RIVET__PEGBOARD__ENVOY_LOST_THRESHOLD: "3000",
  RIVET__PEGBOARD__RUNNER_LOST_THRESHOLD: "3000",
} as const;

/** Where RivetKit's embedded mode keeps the engine's files; kept identical so either can reuse the other's data. */
export function engineFiles(storagePath: string) {
  const root = join(storagePath, ".rivetkit", "var");
  return { db: join(root, "engine", "db"), runtime: join(root, "engine", "runtime.json"), logs: join(root, "logs", "rivet-engine") };
}

/**
 * The engine's environment: the parent's, minus anything Rivet-specific (it must not inherit a client's
 * RIVET_ENDPOINT or another engine's settings), plus its ports (P: API, gateway and fixbot connections; P+1 peer
 * API; P+10 metrics), its data directory and the settings RivetKit's embedded mode uses. `overrides` (an
 * operator's own RIVET__* variables) win. Pure.
 */
export function engineEnv(params: { port: number; storagePath: string; baseEnv: NodeJS.ProcessEnv; overrides?: Record<string, string> }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(params.baseEnv)) if (!/^RIVET/.test(key) && key !== "RUST_LOG") env[key] = value;
  return {
    ...env,
    RIVET__GUARD__HOST: "127.0.0.1",
    RIVET__GUARD__PORT: String(params.port),
    RIVET__API_PEER__HOST: "127.0.0.1",
    RIVET__API_PEER__PORT: String(params.port + 1),
    RIVET__METRICS__HOST: "127.0.0.1",
    RIVET__METRICS__PORT: String(params.port + 10),
    RIVET__FILE_SYSTEM__PATH: engineFiles(params.storagePath).db,
    RIVET__FEATURES__GUARD_GATEWAY_V3__MODE: "on",
    RIVET__FEATURES__GUARD_GATEWAY_V3__PERCENTAGE: "100",
    RIVET__PEGBOARD__BASE_RETRY_TIMEOUT: "100",
    RIVET__PEGBOARD__RETRY_RESET_DURATION: "100",
    RIVET__PEGBOARD__RESCHEDULE_BACKOFF_MAX_EXPONENT: "1",
    RIVET__PEGBOARD__MIN_METADATA_POLL_INTERVAL: "1000",
    RIVET__RUNTIME__WORKER_SHUTDOWN_DURATION: "1",
    RIVET__RUNTIME__GUARD_SHUTDOWN_DURATION: "1",
    RIVET__RUNTIME__FORCE_SHUTDOWN_DURATION: "2",
    RIVET__TELEMETRY__ENABLED: "false",
    ...FAILOVER_THRESHOLDS,
    ...params.overrides,
  };
}

/** The operator's own engine settings (RIVET__*) from fixbot's environment; they win over fixbot's. Pure. */
export function operatorEngineSettings(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => /^RIVET__/.test(e[0]) && e[1] !== undefined));
}

/** The engine binary RivetKit ships for this platform (`RIVET_ENGINE_BINARY` overrides it). */
export function engineBinary(): string {
  const require = createRequire(import.meta.url);
  return (require("@rivetkit/engine-cli") as { getEnginePath: () => string }).getEnginePath();
}

/** True when GET <endpoint>/health answers {"status":"ok"}. */
export async function engineAnswers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    if (!res.ok) return false;
    return ((await res.json()) as { status?: unknown }).status === "ok";
  } catch {
    return false;
  }
}

/**
 * Starts the engine daemon on `port` with its data under `storagePath` and waits until it is healthy. Records
 * its pid in runtime.json (where RivetKit records it), so `stopEmbeddedEngine` can stop it. Throws with the
 * engine's log tail when it exits early (a port taken by something else) or is not healthy in `readyTimeoutMs`.
 */
export async function startEngineDaemon(params: { port: number; storagePath: string; env: NodeJS.ProcessEnv; readyTimeoutMs?: number }): Promise<{ pid: number; endpoint: string }> {
  // The engine does not give up on a taken port by itself: say which one at once.
  for (const port of [params.port, params.port + 1, params.port + 10]) {
    if (!(await portFree(port))) throw new Error(`cannot start the Rivet Engine: port ${port} on 127.0.0.1 is in use (the engine needs ${params.port}, ${params.port + 1} and ${params.port + 10}; set RIVET_RUN_ENGINE_PORT to another base port)`);
  }
  const files = engineFiles(params.storagePath);
  await mkdir(files.logs, { recursive: true });
  await mkdir(files.db, { recursive: true });
  const stamp = Math.floor(Date.now() / 1000);
  const stdoutLog = join(files.logs, `engine-${stamp}-stdout.log`);
  const stderrLog = join(files.logs, `engine-${stamp}-stderr.log`);
  const out = openSync(stdoutLog, "a");
  const err = openSync(stderrLog, "a");
  const env = engineEnv({ port: params.port, storagePath: params.storagePath, baseEnv: params.env, overrides: operatorEngineSettings(params.env) });
  const child = (() => {
    try {
      return spawn(engineBinary(), ["start"], { cwd: params.storagePath, env, stdio: ["ignore", out, err], detached: true });
    } finally {
      closeSync(out);
      closeSync(err);
    }
  })();
  let exited: string | undefined;
  child.once("exit", (code, signal) => (exited = `exit ${code ?? signal}`));
  child.once("error", (error) => (exited = error.message));
  child.unref();
  const endpoint = `http://127.0.0.1:${params.port}`;
  const tail = async () => {
    const text = [await readFile(stderrLog, "utf8").catch(() => ""), await readFile(stdoutLog, "utf8").catch(() => "")].join("\n");
    return text.trim().split("\n").slice(-15).join("\n");
  };
  const deadline = Date.now() + (params.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) throw new Error(`the Rivet Engine stopped before it was ready (${exited}); is port ${params.port}, ${params.port + 1} or ${params.port + 10} in use? Log:\n${await tail()}`);
    if (child.pid !== undefined && (await engineAnswers(endpoint))) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the Rivet Engine was not ready on ${endpoint} after ${params.readyTimeoutMs ?? 30_000} ms. Log:\n${await tail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid!;
  await writeFile(files.runtime, JSON.stringify({ pid, endpoint, bind_host: "127.0.0.1", public_url: null }, null, 2));
  return { pid, endpoint };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
