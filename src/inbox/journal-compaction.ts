import { rm } from "node:fs/promises";
import { join } from "node:path";
import { encodeRecord, type InboxEntry } from "./journal-records.js";
import { createSegment, syncData, syncDir, writeRecords, type Segment } from "./journal-segments.js";

/**
 * Compaction at open: the deliveries still pending go into a fresh segment numbered `n` (synced, and its
 * directory entry too, unless `sync` is off) before the old segment and legacy files (`stale`, names in `dir`)
 * are removed, so a crash in between loses none. Returns the fresh segment, its pending ids live.
 */
export async function compactInto(
  dir: string,
  n: number,
  pending: readonly InboxEntry[],
  stale: readonly string[],
  sync: boolean,
): Promise<Segment> {
  const first = await createSegment(dir, n, false);
  first.live = new Set(pending.map((e) => e.id));
  if (pending.length > 0) await writeRecords(first, pending.map((entry) => encodeRecord({ op: "accept", entry })).join(""));
  if (sync) {
    await syncData(first.fd);
    await syncDir(dir);
  }
  for (const name of stale) await rm(join(dir, name), { force: true });
  return first;
}
