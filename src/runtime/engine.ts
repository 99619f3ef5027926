import { readFile, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { EngineEnvSchema, parseEnv } from "../config/env.schema.js";
import { embeddedEngineToken } from "./engine-token.js";

/**
 * Where the workflows' engine lives. By default fixbot starts RivetKit's embedded Rivet Engine with its data
 * under the fixbot data directory; with RIVET_ENDPOINT set (RivetKit's own variable) it uses that engine.
 */
export interface EngineSettings {
  /** The engine's HTTP endpoint, for clients. */
  endpoint: string;
  /** True when this process starts (or reuses) the embedded engine. */
  embedded: boolean;
  /** Engine data directory (embedded only). */
  storagePath?: string;
}

export const DEFAULT_ENGINE_PORT = 6420;

/** Starts the engine binary with fixbot's failure-detection settings (see the script). */
export const ENGINE_LAUNCHER = join(import.meta.dirname, "rivet-engine-launcher.sh");

/**
 * How fast the engine notices a dead fixbot process. It writes each connected process's "last seen" time every
 * `pingMs`; a process unseen for `eligibleMs` gets no new actors; one unseen for `lostMs` is lost, and its
 * actors sleep until woken (fixbot's alarm wakes them at once, on whichever process is alive). An actor's
 * liveness is checked every `lostMs`, so a crash is noticed `lostMs` to `2 * lostMs` after it. Pure.
 */
export function detectionTimings(lostMs: number): { lostMs: number; eligibleMs: number; pingMs: number } {
  const pingMs = Math.min(500, Math.floor(lostMs / 5));
  return { lostMs, eligibleMs: Math.max(pingMs * 3, lostMs - 500), pingMs };
}

/**
 * How long the engine may take to find or create an actor by key before the request fails (its default:
 * 15 s). Now and then the first request for a new issue's actor hung the whole 15 s, and the inbox's retry
 * 500 ms later found the actor at once; failing sooner lets that retry come sooner. A retry of a slow creation
 * finds the same actor by its key, so nothing is created twice.
 */
export const ACTOR_LOOKUP_TIMEOUT_MS = 5_000;

/**
 * The engine's own variables for fixbot's failure detection and actor lookup timeout: what the embedded engine
 * is started with (through ENGINE_LAUNCHER) and what an operator gives an external one. Pure.
 */
export function engineTuning(lostMs: number): Record<string, string> {
  const t = detectionTimings(lostMs);
  return {
    RIVET__PEGBOARD__ENVOY_UPDATE_PING_INTERVAL: String(t.pingMs),
    RIVET__PEGBOARD__ENVOY_ELIGIBLE_THRESHOLD: String(t.eligibleMs),
    RIVET__PEGBOARD__RUNNER_ELIGIBLE_THRESHOLD: String(t.eligibleMs),
    RIVET__PEGBOARD__ENVOY_LOST_THRESHOLD: String(t.lostMs),
    RIVET__PEGBOARD__RUNNER_LOST_THRESHOLD: String(t.lostMs),
    RIVET__GUARD__ROUTE_PEGBOARD_RESOLVE_QUERY_TIMEOUT_MS: String(ACTOR_LOOKUP_TIMEOUT_MS),
  };
}

/** Set when RIVET_TOKEN is the token fixbot keeps for an engine directory (not one the operator set). */
const GENERATED_TOKEN_OF = "FIXBOT_ENGINE_TOKEN_OF";

/** ENGINE_LAUNCHER sets `<NAME>` to the value of `FIXBOT_ENGINE_SET_<NAME>`, over what RivetKit sets. */
export const LAUNCHER_SET_PREFIX = "FIXBOT_ENGINE_SET_";

/** The embedded engine's variables that make RivetKit start it through ENGINE_LAUNCHER. */
function launcherEnv(env: NodeJS.ProcessEnv, lostMs: number): Record<string, string> {
  if (env.RIVET_ENGINE_BINARY) return {}; // the operator's own binary (or an earlier configureEngine's launcher)
  const realBinary = (createRequire(import.meta.url)("@rivetkit/engine-cli") as { getEnginePath(): string }).getEnginePath();
  const tuning = Object.entries(engineTuning(lostMs)).map(([name, value]) => [`${LAUNCHER_SET_PREFIX}${name}`, value]);
  return { RIVET_ENGINE_BINARY: ENGINE_LAUNCHER, FIXBOT_ENGINE_REAL_BINARY: realBinary, ...Object.fromEntries(tuning) };
}

/**
 * Sets the variables RivetKit reads before `registry.start()`. Must run before the registry starts; it only
 * fills variables the operator did not set.
 */
export async function configureEngine(params: { dataDir: string; env?: NodeJS.ProcessEnv }): Promise<EngineSettings> {
  const env = params.env ?? process.env;
  if (env.RIVET_ENDPOINT) {
    env.RIVET_RUN_SERVICES ??= "0";
    return { endpoint: env.RIVET_ENDPOINT, embedded: false };
  }
  const storagePath = env.RIVETKIT_STORAGE_PATH ?? join(params.dataDir, "engine");
  await mkdir(storagePath, { recursive: true, mode: 0o700 });
  env.RIVETKIT_STORAGE_PATH = storagePath;
  env.RIVET_RUN_SERVICES ??= "0";
  // RivetKit starts its engine only in development unless told to; the image runs with NODE_ENV=production.
  // Only then: with it set, slash commands' actor-to-actor calls timed out in test/integration/commands.test.ts.
  if (env.NODE_ENV === "production") env.RIVET_RUN_ENGINE ??= "1";
  // An admin token always: the operator's RIVET_TOKEN, else one kept in the engine's data directory. The launcher
  // gives it to the engine; RivetKit's clients (this process's, and the actors' own) send it.
  if (!env.RIVET_TOKEN || env[GENERATED_TOKEN_OF] !== undefined) {
    env.RIVET_TOKEN = await embeddedEngineToken(storagePath);
    env[GENERATED_TOKEN_OF] = storagePath; // an earlier call's token, not the operator's: the next call makes its own
  }
  const { FIXBOT_ENGINE_LOST_MS } = parseEnv(EngineEnvSchema, env);
  Object.assign(env, launcherEnv(env, FIXBOT_ENGINE_LOST_MS));
  const port = Number(env.RIVET_RUN_ENGINE_PORT ?? DEFAULT_ENGINE_PORT);
  return { endpoint: `http://127.0.0.1:${port}`, embedded: true, storagePath };
}

/** True when an engine already answers on the endpoint (then this process must not stop it). */
export async function engineIsHealthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Stops the embedded engine daemon (it outlives the node process that started it) by its recorded pid. */
export async function stopEmbeddedEngine(storagePath: string, timeoutMs = 10_000): Promise<void> {
  let pid: number | undefined;
  try {
    const runtime = JSON.parse(await readFile(join(storagePath, ".rivetkit", "var", "engine", "runtime.json"), "utf8")) as { pid?: number };
    pid = runtime.pid;
  } catch {
    return;
  }
  if (!pid) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}
