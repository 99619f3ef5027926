import type { Logger } from "pino";
import { writeDeadLetter, type DeadLetter } from "./dead-letters.js";
import { batchLength, HAND_OVER_LIMITS, HAND_OVER_TRIES, isRefusal, retryDelayMs } from "./hand-over-batch.js";
import { DEFAULT_HAND_OVER_POLICY, handOverBudget, type HandOverPolicy } from "./hand-over-policy.js";
import { InboxJournal, type JournalSync } from "./inbox-journal.js";
import type { InboxEntry } from "./journal-records.js";
import { splitSettled, type SettleEntries } from "./settle-batch.js";

export type { InboxEntry } from "./journal-records.js";

export interface InboxOptions {
  dir: string;
  /**
   * Hands entries to the workflow engine: all for the same route (actor), in acceptance order. Must be
   * idempotent (a failed batch is sent again whole): actors dedupe by delivery id.
   */
  deliver: (entries: InboxEntry[]) => Promise<void>;
  /** The actor an entry goes to; entries of one route are handed on in order, in batches. Default: its own id. */
  routeOf?: (entry: InboxEntry) => string;
  log: Logger;
  /** When an accept counts as recorded (see JournalSync); default "fsync". */
  sync?: JournalSync;
  /** Backoff between delivery attempts: first, and the cap. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Entries per hand-over at most (default 100). */
  maxBatch?: number;
  /** Bytes of jobs (as JSON) per hand-over at most (default 48 KiB, under RivetKit's 64 KiB message limit). */
  maxBatchBytes?: number;
  /** Tries per delivery before it becomes a dead letter, when the engine refuses it / is unavailable (HAND_OVER_TRIES). */
  maxAttempts?: { refused: number; unavailable: number };
  /** Told about a delivery given up on, once its dead letter is on disk (e.g. to reply on the issue). Best effort. */
  onDeadLetter?: (letter: DeadLetter) => Promise<void>;
  /** Settles the entries of a batch that need no actor, before the hand-over (src/inbox/settle-batch.ts). */
  settle?: SettleEntries;
  /** Told once a batch is in the engine (the metrics count deliveries handed on). */
  onHandedOn?: (entries: readonly InboxEntry[]) => void;
  /** When hand-overs run (see hand-over-policy.ts); unset fields take the defaults. */
  policy?: Partial<HandOverPolicy>;
  now?: () => number;
}

/**
 * The webhook inbox: a delivery is recorded in the journal (src/inbox/inbox-journal.ts: appended and
 * synced, one sync shared by every delivery that arrives meanwhile) before GitHub gets its answer, then handed
 * to its actor in the background, with retries, and marked done once the engine has it. Deliveries for the
 * same actor go together, in order; hand-overs wait while webhooks stream in (hand-over-policy.ts). GitHub is
 * answered in milliseconds even when creating an actor is slow, and a process that dies in between hands the
 * delivery on when it starts again (`open`).
 */
export class Inbox {
  /** Entries waiting for a hand-over, by route, oldest route first. */
  private readonly waiting = new Map<string, InboxEntry[]>();
  /** Ids waiting or being handed on (a second accept of one of them is not handed on again). */
  private readonly known = new Set<string>();
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Routes whose last hand-over failed: not tried again before this time. Others go on meanwhile. */
  private readonly retryAt = new Map<string, number>();
  /** Failed tries per delivery id. */
  private readonly attempts = new Map<string, number>();
  /** Routes handed on one entry at a time since a batch of theirs failed, so one bad entry cannot sink the others. */
  private readonly narrow = new Set<string>();
  private journal: InboxJournal | undefined;
  private closed = false;
  private lastAcceptAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly policy: HandOverPolicy;
  private readonly now: () => number;
  private idle: Array<() => void> = [];

  constructor(private readonly options: InboxOptions) {
    this.policy = { ...DEFAULT_HAND_OVER_POLICY, ...options.policy };
    this.now = options.now ?? Date.now;
  }

  /** Opens the journal and re-delivers what a previous process accepted but did not hand on. */
  async open(): Promise<number> {
    const { journal, pending } = await InboxJournal.open({ dir: this.options.dir, sync: this.options.sync, log: this.options.log });
    this.journal = journal;
    for (const entry of pending) {
      this.options.log.info({ deliveryId: entry.id, kind: entry.kind }, "handing on a webhook accepted before the last stop");
      this.enqueue(entry);
    }
    this.pump();
    return pending.length;
  }

  /** Records the delivery durably, then schedules its hand-over. Resolves once it is safe to answer GitHub. */
  async accept(entry: InboxEntry): Promise<void> {
    if (this.closed) throw new Error("the inbox is closed: fixbot is shutting down");
    if (!this.journal) throw new Error("the inbox is not open yet");
    this.lastAcceptAt = this.now();
    await this.journal.append(entry);
    this.enqueue(entry);
    // While webhooks stream in, a pending re-check is already due: nothing to decide per delivery (O(1) here).
    if (this.timer === undefined) this.pump();
  }

  /** Deliveries accepted and not yet handed to the engine. */
  get size(): number {
    return this.known.size;
  }

  /** Stops accepting; hands on at full width for up to `timeoutMs` (the rest are handed on at next start). */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closed = true;
    this.pump();
    const drained = new Promise<void>((r) => (this.known.size === 0 ? r() : this.idle.push(r)));
    await Promise.race([drained, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    clearTimeout(this.timer);
    await this.journal?.close();
  }

  private routeOf(entry: InboxEntry): string {
    return this.options.routeOf?.(entry) ?? entry.id;
  }

  private enqueue(entry: InboxEntry): void {
    if (this.known.has(entry.id)) return;
    this.known.add(entry.id);
    const route = this.routeOf(entry);
    const queue = this.waiting.get(route);
    if (queue) queue.push(entry);
    else this.waiting.set(route, [entry]);
  }

  /**
   * When the first delivery of the first actor in line (not being handed to already) was accepted: routes are
   * served round-robin, so that actor is next. O(hand-overs in flight), not O(actors): this runs on every
   * completed hand-over.
   */
  private nextWaitingAt(): number | undefined {
    const now = this.now();
    for (const [route, entries] of this.waiting)
      if (!this.inFlight.has(route) && (this.retryAt.get(route) ?? 0) <= now) return entries[0]?.acceptedAt;
    return undefined;
  }

  /** Starts the hand-overs the policy allows now, or arranges to look again. */
  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const decision = handOverBudget(
      {
        now: this.now(),
        lastAcceptAt: this.lastAcceptAt,
        oldestWaitingAt: this.nextWaitingAt(),
        inFlight: this.inFlight.size,
        closing: this.closed,
      },
      this.policy,
    );
    let start = decision.start;
    const now = this.now();
    let nextRetry = Number.POSITIVE_INFINITY;
    for (const [route, entries] of this.waiting) {
      if (this.inFlight.has(route)) continue;
      const due = this.retryAt.get(route) ?? 0;
      if (due > now) {
        nextRetry = Math.min(nextRetry, due);
        continue;
      }
      if (start <= 0) break;
      const limits = {
        maxEntries: this.narrow.has(route) ? 1 : (this.options.maxBatch ?? HAND_OVER_LIMITS.maxEntries),
        maxBytes: this.options.maxBatchBytes ?? HAND_OVER_LIMITS.maxBytes,
      };
      const batch = entries.splice(0, batchLength(entries, limits));
      // Round-robin: an actor with more waiting goes to the back of the line.
      this.waiting.delete(route);
      if (entries.length > 0) this.waiting.set(route, entries);
      start--;
      const done = this.handOn(route, batch).finally(() => {
        this.inFlight.delete(route);
        if (this.known.size === 0) for (const resolve of this.idle.splice(0)) resolve();
        this.pump();
      });
      this.inFlight.set(route, done);
    }
    let recheck = decision.recheckInMs;
    if (nextRetry !== Number.POSITIVE_INFINITY) recheck = Math.min(recheck ?? Number.POSITIVE_INFINITY, Math.max(1, nextRetry - now));
    if (recheck !== undefined) this.timer = setTimeout(() => this.pump(), recheck).unref();
  }

  /**
   * One try at handing a batch on. A failure does not hold the route's slot while it waits: the batch goes back
   * to the front of its route, the route waits out its backoff, and other routes are handed on meanwhile. After
   * `maxAttempts` failed tries a delivery becomes a dead letter (on disk, logged, the user told), so nothing is
   * retried forever and nothing is lost.
   */
  private async handOn(route: string, whole: InboxEntry[]): Promise<void> {
    const { settled, rest: batch } = await splitSettled({ batch: whole, settle: this.options.settle, route, log: this.options.log });
    for (const { entry, reason } of settled) this.forget(entry, reason);
    const started = this.now();
    const first = batch[0];
    if (!first) {
      // All settled: nothing for the engine, and the route is healthy.
      this.retryAt.delete(route);
      this.narrow.delete(route);
      return;
    }
    try {
      await this.options.deliver(batch);
      this.options.log.info(
        { deliveryId: first.id, route, count: batch.length, ms: this.now() - started },
        "webhooks handed to their actor",
      );
      for (const entry of batch) this.forget(entry);
      this.options.onHandedOn?.(batch);
      this.retryAt.delete(route);
      this.narrow.delete(route);
      return;
    } catch (error) {
      const tries = Math.max(...batch.map((e) => (this.attempts.get(e.id) ?? 0) + 1));
      for (const entry of batch) this.attempts.set(entry.id, (this.attempts.get(entry.id) ?? 0) + 1);
      const wait = retryDelayMs(tries, this.options.retryBaseMs ?? 500, this.options.retryMaxMs ?? 30_000);
      this.options.log.warn(
        { deliveryId: first.id, deliveryIds: batch.map((e) => e.id), kind: first.kind, route, attempt: tries, err: error, retryInMs: wait },
        "could not hand a webhook to the engine yet; retrying",
      );
      // Shutting down: what is left stays in the journal and is handed on at the next start.
      if (this.closed) return;
      if (batch.length > 1) this.narrow.add(route);
      const limits = this.options.maxAttempts ?? HAND_OVER_TRIES;
      const maxAttempts = isRefusal(error) ? limits.refused : limits.unavailable;
      const keep: InboxEntry[] = [];
      for (const entry of batch) {
        if ((this.attempts.get(entry.id) ?? 0) < maxAttempts || !(await this.bury(entry, error))) keep.push(entry);
      }
      if (keep.length === 0) return;
      this.waiting.set(route, [...keep, ...(this.waiting.get(route) ?? [])]);
      this.retryAt.set(route, this.now() + wait);
    }
  }

  /** Gives up on a delivery: dead letter on disk first, then the journal forgets it. False if the record failed. */
  private async bury(entry: InboxEntry, error: unknown): Promise<boolean> {
    const letter: DeadLetter = { entry, reason: oneLine(error), attempts: this.attempts.get(entry.id) ?? 0, at: this.now() };
    try {
      const path = await writeDeadLetter(this.options.dir, letter);
      this.options.log.error(
        { deliveryId: entry.id, kind: entry.kind, attempts: letter.attempts, reason: letter.reason, path },
        "gave up handing a webhook to the engine: kept as a dead letter",
      );
    } catch (writeError) {
      this.options.log.error({ deliveryId: entry.id, err: writeError }, "could not write a dead letter; the delivery stays in the journal");
      return false;
    }
    this.forget(entry);
    // Not awaited: a slow reply must not hold the route.
    void this.options
      .onDeadLetter?.(letter)
      .catch((replyError: unknown) =>
        this.options.log.warn({ deliveryId: entry.id, err: replyError }, "could not tell the user about a dead letter"),
      );
    return true;
  }

  private forget(entry: InboxEntry, settled?: string): void {
    this.journal?.markDone(entry.id, settled);
    this.known.delete(entry.id);
    this.attempts.delete(entry.id);
  }
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0]!.slice(0, 500);
}
