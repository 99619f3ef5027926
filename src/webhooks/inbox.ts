import type { Logger } from "pino";
import { DEFAULT_HAND_OVER_POLICY, handOverBudget, type HandOverPolicy } from "./hand-over-policy.js";
import { InboxJournal, type JournalSync } from "./inbox-journal.js";
import type { InboxEntry } from "./journal-records.js";

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
  /** When hand-overs run (see hand-over-policy.ts); unset fields take the defaults. */
  policy?: Partial<HandOverPolicy>;
  now?: () => number;
}

/**
 * The webhook inbox: a delivery is recorded in the journal (src/webhooks/inbox-journal.ts: appended and
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
    for (const [route, entries] of this.waiting) if (!this.inFlight.has(route)) return entries[0]?.acceptedAt;
    return undefined;
  }

  /** Starts the hand-overs the policy allows now, or arranges to look again. */
  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const decision = handOverBudget(
      { now: this.now(), lastAcceptAt: this.lastAcceptAt, oldestWaitingAt: this.nextWaitingAt(), inFlight: this.inFlight.size, closing: this.closed },
      this.policy,
    );
    let start = decision.start;
    for (const [route, entries] of this.waiting) {
      if (start <= 0) break;
      if (this.inFlight.has(route)) continue;
      const batch = entries.splice(0, this.options.maxBatch ?? 100);
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
    if (decision.recheckInMs !== undefined) this.timer = setTimeout(() => this.pump(), decision.recheckInMs).unref();
  }

  private async handOn(route: string, batch: InboxEntry[]): Promise<void> {
    const base = this.options.retryBaseMs ?? 500;
    const max = this.options.retryMaxMs ?? 30_000;
    for (let attempt = 1; ; attempt++) {
      const started = this.now();
      try {
        await this.options.deliver(batch);
        this.options.log.info({ deliveryId: batch[0]!.id, route, count: batch.length, attempt, ms: this.now() - started }, "webhooks handed to their actor");
        for (const entry of batch) {
          this.journal?.markDone(entry.id);
          this.known.delete(entry.id);
        }
        return;
      } catch (error) {
        const wait = Math.min(max, base * 2 ** (attempt - 1));
        const first = batch[0]!;
        this.options.log.warn(
          { deliveryId: first.id, deliveryIds: batch.map((e) => e.id), kind: first.kind, route, attempt, err: error, retryInMs: wait },
          "could not hand a webhook to the engine yet; retrying",
        );
        if (this.closed) return;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }
}
