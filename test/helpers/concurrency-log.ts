import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The log fix-calc-counted.sh appends its start and end lines to (FIXBOT_CONCURRENCY_LOG), created empty in
 * `dir`: every run's sandbox has a uid of its own, so the file must be writable by all of them.
 */
export async function sharedConcurrencyLog(dir: string, name: string): Promise<string> {
  const log = join(dir, name);
  await writeFile(log, "", { mode: 0o666 });
  await chmod(log, 0o666);
  return log;
}

/** The most agents running at once, replaying the log's start/end lines in order. */
export function peakConcurrency(log: string): { peak: number; starts: number; ends: number } {
  let running = 0;
  let peak = 0;
  let starts = 0;
  let ends = 0;
  for (const line of log.split("\n").filter(Boolean)) {
    if (line.startsWith("start")) {
      starts++;
      peak = Math.max(peak, ++running);
    } else {
      ends++;
      running--;
    }
  }
  return { peak, starts, ends };
}
