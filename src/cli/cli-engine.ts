import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { engineIsHealthy } from "../runtime/engine.js";
import { lockDir } from "../inbox/dir-lock.js";

/**
 * The embedded engine of one `fixbot fix` request: its own data directory (`<dataDir>/cli-engine/<request
 * key>`) and its own port, so runs that overlap never share an engine, and the run that finishes first stops
 * only its own. The directory is locked while a run uses it: the same request started twice at once is refused
 * (the second would resume the first's run). Rerunning a request after a kill finds its directory, its recorded
 * port and the engine the killed run left, and resumes there.
 */
export async function claimCliEngine(params: {
  dataDir: string;
  requestKey: string;
  env: NodeJS.ProcessEnv;
}): Promise<{ release(): Promise<void> }> {
  const { env } = params;
  const storage = env.RIVETKIT_STORAGE_PATH ?? join(params.dataDir, "cli-engine", params.requestKey);
  await mkdir(storage, { recursive: true, mode: 0o700 });
  env.RIVETKIT_STORAGE_PATH = storage;
  const lock = await lockDir(
    storage,
    (owner) =>
      `another "fixbot fix" of this issue and repository is running (process ${owner.pid}); wait for it to finish, or stop it and run this again to resume its run`,
  );
  try {
    if (!env.RIVET_RUN_ENGINE_PORT) env.RIVET_RUN_ENGINE_PORT = String(await enginePortFor(storage));
    return lock;
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** The port recorded for this engine directory when its engine still answers there, else a new free block. */
async function enginePortFor(storage: string): Promise<number> {
  const file = join(storage, "engine-port");
  const recorded = Number((await readFile(file, "utf8").catch(() => "")).trim());
  // The engine a killed run left: still ours if it answers and the pid it recorded is alive.
  if (recorded > 0 && (await engineIsHealthy(`http://127.0.0.1:${recorded}`)) && (await recordedEngineAlive(storage))) return recorded;
  const port = await freePortBlock();
  await writeFile(file, `${port}\n`);
  return port;
}

async function recordedEngineAlive(storage: string): Promise<boolean> {
  try {
    const { pid } = JSON.parse(await readFile(join(storage, ".rivetkit", "var", "engine", "runtime.json"), "utf8")) as { pid?: number };
    if (!pid) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A port P with P, P+1 and P+10 free (the engine uses all three) and no engine answering on P, picked at random
 * in 40000-49999 (above the bot's 6420; below the kernel's usual ephemeral range on macOS, inside Linux's
 * 32768-60999 but checked free).
 */
async function freePortBlock(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = 40_000 + 16 * Math.floor(Math.random() * 620);
    const free = (await Promise.all([port, port + 1, port + 10].map(portFree))).every(Boolean);
    if (free && !(await engineIsHealthy(`http://127.0.0.1:${port}`))) return port;
  }
  throw new Error("found no free port block for the engine (P, P+1, P+10) in 40000-49999");
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}
