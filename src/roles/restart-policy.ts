/**
 * How long the supervisor waits before starting the worker again after it died: at once after a worker that ran
 * for a while (a crash), doubling for a worker that keeps dying soon after its start (a crash loop), capped.
 * `recentCrashes` counts the deaths in a row of workers that lived less than `stableMs`. Pure.
 */
export function restartDelayMs(recentCrashes: number, options: { baseMs?: number; maxMs?: number } = {}): number {
  const base = options.baseMs ?? 250;
  const max = options.maxMs ?? 30_000;
  if (recentCrashes <= 1) return 0;
  return Math.min(max, base * 2 ** (recentCrashes - 2));
}

/** A worker that lived at least this long counts as having started well: the crash count starts over. */
export const STABLE_WORKER_MS = 60_000;

/** The crash count after a worker that lived `livedMs` died. Pure. */
export function nextCrashCount(previous: number, livedMs: number, stableMs = STABLE_WORKER_MS): number {
  return livedMs >= stableMs ? 1 : previous + 1;
}
