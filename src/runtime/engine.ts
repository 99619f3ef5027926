import { readFile, mkdir } from "node:fs/promises";
import { join } from "node:path";

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
  await mkdir(storagePath, { recursive: true });
  env.RIVETKIT_STORAGE_PATH = storagePath;
  env.RIVET_RUN_SERVICES ??= "0";
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
