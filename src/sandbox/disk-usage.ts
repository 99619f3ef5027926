import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/** Bytes allocated under `dirs` (links not followed), like `du -s` summed; stops counting once past `stopAt`. */
export async function diskUsage(dirs: readonly string[], stopAt = Number.POSITIVE_INFINITY): Promise<number> {
  let total = 0;
  const pending = [...dirs];
  while (pending.length > 0 && total <= stopAt) {
    const dir = pending.pop()!;
    const names = await readdir(dir).catch(() => [] as string[]);
    const stats = await Promise.all(
      names.map((name) =>
        lstat(join(dir, name)).then(
          (s) => ({ name, s }),
          () => undefined,
        ),
      ),
    );
    for (const entry of stats) {
      if (!entry) continue;
      total += entry.s.blocks * 512;
      if (entry.s.isDirectory()) pending.push(join(dir, entry.name));
    }
  }
  return total;
}

/**
 * Polls the disk use of `dirs` while a command runs and calls `onExceeded` once it passes `limitBytes`. The
 * interval grows with the time a count takes, so a workspace with many files does not keep a core busy.
 */
export function watchDiskUsage(params: {
  dirs: readonly string[];
  limitBytes: number;
  onExceeded: (bytes: number) => void;
  minIntervalMs?: number;
}): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const minInterval = params.minIntervalMs ?? 500;
  const poll = async () => {
    const started = performance.now();
    const used = await diskUsage(params.dirs, params.limitBytes);
    if (stopped) return;
    if (used > params.limitBytes) {
      stopped = true;
      params.onExceeded(used);
      return;
    }
    timer = setTimeout(() => void poll(), Math.max(minInterval, 5 * (performance.now() - started)));
  };
  timer = setTimeout(() => void poll(), minInterval);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
