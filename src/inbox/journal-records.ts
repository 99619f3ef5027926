/** One accepted webhook, as it waits to be handed to its actor. Plain JSON. */
export interface InboxEntry<T = unknown> {
  /** The delivery id (X-GitHub-Delivery): a redelivered webhook has the same one, so it is handed on once. */
  id: string;
  kind: string;
  job: T;
  acceptedAt: number;
}

/**
 * A line of the inbox journal: a delivery accepted, or a delivery done with: handed to its actor, or settled at
 * the intake without one (`settled`: why, see src/intake/relevance.ts).
 */
export type JournalRecord = { op: "accept"; entry: InboxEntry } | { op: "done"; id: string; settled?: string };

/** The journal line of a record (one JSON object, newline-terminated). Pure. */
export function encodeRecord(record: JournalRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** True for a well-formed inbox entry (a delivery id, a kind, a time). Pure. */
export function isEntry(value: unknown): value is InboxEntry {
  const e = value as InboxEntry | null;
  return (
    typeof e === "object" &&
    e !== null &&
    typeof e.id === "string" &&
    e.id.length > 0 &&
    typeof e.kind === "string" &&
    typeof e.acceptedAt === "number"
  );
}

/** Parses one journal line; undefined for a torn or foreign line. Pure. */
export function decodeRecord(line: string): JournalRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const r = value as { op?: unknown; entry?: unknown; id?: unknown } | null;
  if (r?.op === "accept" && isEntry(r.entry)) return { op: "accept", entry: r.entry };
  if (r?.op === "done" && typeof r.id === "string") return { op: "done", id: r.id };
  return undefined;
}

export interface Replay {
  /** Accepted and not handed on, in acceptance order (a re-accepted id keeps its first place). */
  pending: InboxEntry[];
  /** Lines that did not parse: a write torn by a crash (never acknowledged: it was not synced) or damage. */
  unreadable: number;
}

/**
 * Replays journal texts (the segments, oldest first): the deliveries accepted and not yet handed on. A torn
 * last line is skipped; it was never acknowledged, because the answer waits for the line's sync. The zeros a
 * segment is grown with (see inbox-journal.ts) end the records. Pure.
 */
export function replayJournal(texts: readonly string[]): Replay {
  const pending = new Map<string, InboxEntry>();
  let unreadable = 0;
  for (const text of texts) for (const raw of text.split("\n")) if (!replayLine(pending, raw)) unreadable++;
  return { pending: [...pending.values()], unreadable };
}

/**
 * Applies one journal line to `pending` (accepted and not handed on, by id, in acceptance order): what
 * replayJournal does per line, for readers that stream the segments. False for a line that did not parse.
 */
export function replayLine(pending: Map<string, InboxEntry>, raw: string): boolean {
  const line = raw.replace(/\0+$/, "");
  if (line.length === 0) return true;
  const record = decodeRecord(line);
  if (!record) return false;
  if (record.op === "accept") pending.set(record.entry.id, pending.get(record.entry.id) ?? record.entry);
  else pending.delete(record.id);
  return true;
}

const SEGMENT = /^journal-(\d{12})\.jsonl$/;

/** The segment number of a journal file name, or undefined for any other file. Pure. */
export function segmentNumber(name: string): number | undefined {
  const match = SEGMENT.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** The file name of segment `n`; names sort in segment order. Pure. */
export function segmentName(n: number): string {
  return `journal-${String(n).padStart(12, "0")}.jsonl`;
}
