import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { lockDir } from "./dir-lock.js";
import { createGroupCommit } from "./group-commit.js";
import { compactInto } from "./journal-compaction.js";
import { encodeRecord, segmentName, type InboxEntry, type JournalRecord } from "./journal-records.js";
import { readLegacyFiles, replaySegments } from "./journal-replay.js";
import { closeFd, createSegment, DEFAULT_SEGMENT_BYTES, listSegments, syncData, writeRecords, type Segment } from "./journal-segments.js";

export { readJournal } from "./journal-replay.js";

/**
 * When an accepted delivery counts as recorded:
 * - "fsync" (default): its journal line was written and `fdatasync`ed: it survives a SIGKILL of fixbot, a
 *   kernel crash and a power loss (as far as the disk honours flushes).
 * - "none": its line was written to the kernel (page cache), not synced: it survives a SIGKILL or crash of
 *   fixbot, NOT a kernel crash or power loss in the next few seconds (GitHub's delivery log and the redelivery
 *   at start then cover it, within GitHub's retention).
 */
export type JournalSync = "fsync" | "none";

export interface JournalOptions {
  dir: string;
  sync?: JournalSync;
  /** A new segment file is started once the current one reaches this size (default 8 MiB). */
  segmentBytes?: number;
  log: Logger;
}

/**
 * The inbox's durable record: one append-only journal (JSON lines in numbered segment files). An accept is a
 * line `{"op":"accept","entry":...}`, answered once written and synced; every accept that arrives while a sync
 * runs shares the next one (group commit), so a burst costs one sync per batch, not per delivery. A hand-over
 * appends `{"op":"done","id":...}` (not synced: losing it re-delivers once, and actors dedupe by delivery id).
 * A segment whose deliveries were all handed on is deleted; at open, what is still pending is copied into a
 * fresh segment and the old ones are removed.
 */
export class InboxJournal {
  private current: Segment;
  /** Earlier segments that still hold deliveries not handed on, by segment number. */
  private readonly older = new Map<number, Set<string>>();
  private readonly commit: (record: JournalRecord) => Promise<void>;
  private closed = false;

  private constructor(
    private readonly options: JournalOptions,
    first: Segment,
    private readonly lock: { release(): Promise<void> },
  ) {
    this.current = first;
    this.commit = createGroupCommit((batch) => this.flush(batch));
  }

  /** Opens the journal in `dir` and returns what was accepted and not handed on before (to hand on again). */
  static async open(options: JournalOptions): Promise<{ journal: InboxJournal; pending: InboxEntry[]; unreadable: number }> {
    const { dir } = options;
    await mkdir(dir, { recursive: true });
    // One process per journal: a second one would remove the first one's segments below.
    const lock = await lockDir(
      dir,
      (owner) =>
        `the inbox ${dir} is in use by fixbot process ${owner.pid} on ${owner.hostname}. Each fixbot process sharing a data directory needs its own FIXBOT_REPLICA_ID (default: the host name); stop the other process or give this one another id.`,
    );
    try {
      return await InboxJournal.openLocked(options, lock);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  private static async openLocked(
    options: JournalOptions,
    lock: { release(): Promise<void> },
  ): Promise<{ journal: InboxJournal; pending: InboxEntry[]; unreadable: number }> {
    const { dir, log } = options;
    const segments = await listSegments(dir);
    const replay = await replaySegments(dir, segments);
    if (replay.unreadable > 0)
      log.warn({ lines: replay.unreadable }, "inbox journal: skipped unreadable lines (a write cut by a crash is never acknowledged)");
    const legacy = await readLegacyFiles(dir, log);
    const known = new Set(replay.pending.map((e) => e.id));
    const pending = [...replay.pending, ...legacy.entries.filter((e) => !known.has(e.id))];

    // Pending deliveries go into a fresh segment before the old files go.
    const n = (segments.at(-1)?.n ?? 0) + 1;
    const stale = [...segments.map((s) => s.name), ...legacy.files];
    const first = await compactInto(dir, n, pending, stale, options.sync !== "none");
    return { journal: new InboxJournal(options, first, lock), pending, unreadable: replay.unreadable };
  }

  /** Records an accepted delivery; resolves once it is recorded (see JournalSync). */
  append(entry: InboxEntry): Promise<void> {
    if (this.closed) return Promise.reject(new Error("the inbox journal is closed"));
    return this.commit({ op: "accept", entry });
  }

  /**
   * Records that a delivery was handed to its actor, or settled without one (`settled`: why). Never throws: a lost
   * mark only means one more hand-over.
   */
  markDone(id: string, settled?: string): void {
    if (this.closed) return;
    this.commit(settled === undefined ? { op: "done", id } : { op: "done", id, settled }).catch((error: unknown) =>
      this.options.log.warn(
        { deliveryId: id, err: error },
        "inbox journal: could not record a hand-over; it will be handed on again at the next start",
      ),
    );
  }

  /** Waits for writes in flight, then closes the file. Later marks are dropped (handed on again at next start). */
  async close(): Promise<void> {
    if (this.closed) return;
    // A no-op record through the group commit: resolves after every earlier batch.
    await this.commit({ op: "done", id: "" }).catch(() => undefined);
    this.closed = true;
    await closeFd(this.current.fd);
    await this.lock.release();
  }

  private async flush(batch: JournalRecord[]): Promise<void> {
    const accepts = batch.filter((r) => r.op === "accept").length;
    const records = batch.filter((r) => r.op === "accept" || r.id !== "");
    if (records.length === 0) return;
    if (this.current.broken || (accepts > 0 && this.current.bytes >= (this.options.segmentBytes ?? DEFAULT_SEGMENT_BYTES)))
      await this.rotate();
    const segment = this.current;
    try {
      await writeRecords(segment, records.map(encodeRecord).join(""));
      if (accepts > 0 && this.options.sync !== "none") await syncData(segment.fd);
    } catch (error) {
      segment.broken = true;
      // The hand-overs happened all the same; only the accepts of this batch are refused.
      for (const r of records) if (r.op === "done") this.forget(r.id);
      throw error;
    }
    for (const r of records) {
      if (r.op === "accept") segment.live.add(r.entry.id);
      else this.forget(r.id);
    }
    await this.removeFinishedSegments();
  }

  private forget(id: string): void {
    this.current.live.delete(id);
    for (const live of this.older.values()) live.delete(id);
  }

  /** Starts a new segment; the old one is kept while it holds deliveries not handed on. */
  private async rotate(): Promise<void> {
    const dir = this.options.dir;
    const old = this.current;
    this.current = await createSegment(dir, old.n + 1, this.options.sync !== "none");
    await closeFd(old.fd);
    this.older.set(old.n, old.live);
  }

  private async removeFinishedSegments(): Promise<void> {
    for (const [n, live] of this.older) {
      if (live.size > 0) continue;
      this.older.delete(n);
      await rm(join(this.options.dir, segmentName(n)), { force: true }).catch((error: unknown) =>
        this.options.log.warn({ err: error, segment: n }, "inbox journal: could not remove a finished segment"),
      );
    }
  }
}
