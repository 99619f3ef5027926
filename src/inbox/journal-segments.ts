import { close, constants, fdatasync, open as openFd, write } from "node:fs";
import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import { segmentName, segmentNumber } from "./journal-records.js";

// The inbox journal's write path: its numbered segment files, records written at their end into a pre-zeroed area.

export interface Segment {
  n: number;
  fd: number;
  /** Where the next record goes (the end of the records; zeros follow up to `allocated`). */
  bytes: number;
  /** Bytes of the file already written (records, then zeros). */
  allocated: number;
  /** Delivery ids accepted in this segment and not handed on yet. */
  live: Set<string>;
  /** A write or sync failed: its content is uncertain, the next batch goes to a new segment. */
  broken: boolean;
}

export const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;
/**
 * Segments grow by writing zeros ahead of the records, this much at a time. An accept then overwrites blocks
 * the file already has, so its `fdatasync` flushes data only: no change of size, no filesystem journal commit
 * to wait for, which is what other files' writes on the same disk slow down. Measured here with another
 * process syncing appends: p50 0.5 → 0.25 ms, p99 2.5 → 1.5 ms per sync.
 */
const PREALLOCATE_BYTES = 1024 * 1024;
const ZEROS = Buffer.alloc(64 * 1024);

/** Syncs a directory, so the files created or removed in it are durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// Raw descriptors with callbacks: on the accept path they cost about half the main-thread time of FileHandle
// promises per call (measured here: ~0.04 ms against ~0.08 ms per write or sync).
const openNew = (path: string) =>
  new Promise<number>((resolve, reject) =>
    openFd(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600, (e, fd) => (e ? reject(e) : resolve(fd))),
  );
export const syncData = (fd: number) => new Promise<void>((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve())));
export const closeFd = (fd: number) => new Promise<void>((resolve) => close(fd, () => resolve()));

/** Writes the whole buffer at `position`. */
async function writeAt(fd: number, buffer: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    offset += await new Promise<number>((resolve, reject) =>
      write(fd, buffer, offset, buffer.length - offset, position + offset, (e, n) => (e ? reject(e) : resolve(n))),
    );
  }
}

/** Writes zeros from the end of the segment's zeroed area to at least PREALLOCATE_BYTES past `end`. */
async function grow(segment: Segment, end: number): Promise<void> {
  const target = end + PREALLOCATE_BYTES;
  while (segment.allocated < target) {
    await writeAt(segment.fd, ZEROS, segment.allocated);
    segment.allocated += ZEROS.length;
  }
}

/** Writes records at the segment's end, first growing its zeroed area if they would not fit. */
export async function writeRecords(segment: Segment, text: string): Promise<void> {
  const buffer = Buffer.from(text, "utf8");
  const end = segment.bytes + buffer.length;
  if (end > segment.allocated) await grow(segment, end);
  await writeAt(segment.fd, buffer, segment.bytes);
  segment.bytes = end;
}

/** A new, empty segment file with its first zeroed area (synced when the journal syncs). */
export async function createSegment(dir: string, n: number, sync: boolean): Promise<Segment> {
  const fd = await openNew(join(dir, segmentName(n)));
  const segment: Segment = { n, fd, bytes: 0, allocated: 0, live: new Set(), broken: false };
  await grow(segment, 0);
  if (sync) {
    await syncData(fd);
    await syncDir(dir);
  }
  return segment;
}

/** The journal's segment files in `dir`, oldest first. */
export async function listSegments(dir: string): Promise<Array<{ n: number; name: string }>> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .map((name) => ({ n: segmentNumber(name), name }))
    .filter((s): s is { n: number; name: string } => s.n !== undefined)
    .sort((a, b) => a.n - b.n);
}
