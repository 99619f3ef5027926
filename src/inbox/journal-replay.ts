import { createReadStream } from "node:fs";
import { readdir, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Logger } from "pino";
import { isEntry, replayLine, type InboxEntry, type Replay } from "./journal-records.js";
import { listSegments } from "./journal-segments.js";

/**
 * What an inbox directory holds: the deliveries accepted and not handed on. Reads the journal without
 * changing it (the bench and diagnostics use it; the inbox itself uses `InboxJournal.open`).
 */
export async function readJournal(dir: string): Promise<Replay> {
  return replaySegments(dir, await listSegments(dir));
}

/**
 * Replays the segments line by line from disk (oldest first), so memory holds the pending deliveries, never
 * the segments' text: a journal of many segments left by a long outage opens in bounded memory.
 */
export async function replaySegments(dir: string, segments: ReadonlyArray<{ name: string }>): Promise<Replay> {
  const pending = new Map<string, InboxEntry>();
  let unreadable = 0;
  for (const s of segments) {
    const input = createReadStream(join(dir, s.name), { encoding: "utf8" });
    const lines = createInterface({ input, crlfDelay: Infinity });
    try {
      for await (const line of lines) if (!replayLine(pending, line)) unreadable++;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    } finally {
      lines.close();
      input.destroy();
    }
  }
  return { pending: [...pending.values()], unreadable };
}

/**
 * Deliveries left by fixbot versions before the journal: one `<id>.json` file each. Read so an upgrade loses
 * none; unreadable files are moved aside (`.bad`). Returns the entries and the files to remove once they are in
 * the journal.
 */
export async function readLegacyFiles(dir: string, log: Logger): Promise<{ entries: InboxEntry[]; files: string[] }> {
  const names = (await readdir(dir)).filter((f) => f.endsWith(".json"));
  const entries: InboxEntry[] = [];
  const files: string[] = [];
  for (const name of names) {
    const entry = await readFile(join(dir, name), "utf8")
      .then((text) => JSON.parse(text) as unknown)
      .catch(() => undefined);
    if (isEntry(entry)) {
      entries.push(entry);
      files.push(name);
    } else {
      log.error({ file: name }, "unreadable inbox entry; moved aside");
      await rename(join(dir, name), join(dir, `${name}.bad`)).catch(() => undefined);
    }
  }
  return { entries, files };
}
