import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { DirLockedError, lockDir } from "../inbox/dir-lock.js";

/**
 * One writer per mirror at a time. Within this process, callers of the same mirror queue behind each other (a
 * promise chain per path); across processes (replicas sharing a data directory), `<mirror>.lock` is taken with
 * the dir-lock helper and retried while another live process holds it. A lock left by a dead process is taken
 * over by dir-lock itself.
 */
const chains = new Map<string, Promise<unknown>>();

const pause = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis));

async function lockAcrossProcesses(dir: string, timeoutMs: number): Promise<{ release(): Promise<void> }> {
  await mkdir(dirname(dir), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await lockDir(dir, (owner) => `git mirror ${dir} is being updated by process ${owner.pid}`);
    } catch (error) {
      if (!(error instanceof DirLockedError) || Date.now() > deadline) throw error;
      await pause(100);
    }
  }
}

/** Runs `work` while holding the mirror's lock (waits up to `timeoutMs` for another process to let go). */
export async function withMirrorLock<T>(dir: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  const before = chains.get(dir) ?? Promise.resolve();
  const mine = before
    .catch(() => undefined)
    .then(async () => {
      const lock = await lockAcrossProcesses(dir, timeoutMs);
      try {
        return await work();
      } finally {
        await lock.release();
      }
    });
  chains.set(dir, mine);
  try {
    return await mine;
  } finally {
    if (chains.get(dir) === mine) chains.delete(dir);
  }
}
