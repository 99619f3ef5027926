import type { Logger } from "pino";
import { InboxJournal, type JournalSync } from "./inbox-journal.js";
import type { InboxEntry } from "./journal-records.js";

export type { InboxEntry } from "./journal-records.js";

export interface InboxOptions {
  dir: string;
  /** Hands an entry to the workflow engine. Must be idempotent: actors dedupe by delivery id. */
  deliver: (entry: InboxEntry) => Promise<void>;
  log: Logger;
  /** When an accept counts as recorded (see JournalSync); default "fsync". */
  sync?: JournalSync;
  /** Backoff between delivery attempts: first, and the cap. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Hand-overs in flight at once (a burst of webhooks must not swamp the engine). Default 8. */
  concurrency?: number;
}

/**
 * The webhook inbox: a delivery is recorded in the journal (src/webhooks/inbox-journal.ts: appended and
 * synced, one sync shared by every delivery that arrives meanwhile) before GitHub gets its answer, then handed
 * to its actor in the background, with retries, and marked done once the engine has it. GitHub is answered in
 * milliseconds even when creating an actor is slow, and a process that dies in between hands the delivery on
 * when it starts again (`open`).
 */
export class Inbox {
  private readonly pending = new Map<string, Promise<void>>();
  private journal: InboxJournal | undefined;
  private closed = false;
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: InboxOptions) {}

  /** Opens the journal and re-delivers what a previous process accepted but did not hand on. */
  async open(): Promise<number> {
    const { journal, pending } = await InboxJournal.open({ dir: this.options.dir, sync: this.options.sync, log: this.options.log });
    this.journal = journal;
    for (const entry of pending) {
      this.options.log.info({ deliveryId: entry.id, kind: entry.kind }, "handing on a webhook accepted before the last stop");
      this.schedule(entry);
    }
    return pending.length;
  }

  /** Records the delivery durably, then starts handing it on. Resolves once it is safe to answer GitHub. */
  async accept(entry: InboxEntry): Promise<void> {
    if (this.closed) throw new Error("the inbox is closed: fixbot is shutting down");
    if (!this.journal) throw new Error("the inbox is not open yet");
    await this.journal.append(entry);
    this.schedule(entry);
  }

  /** Deliveries accepted and not yet handed to the engine. */
  get size(): number {
    return this.pending.size;
  }

  /** Stops accepting; waits up to `timeoutMs` for hand-overs in flight (the rest are handed on at next start). */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closed = true;
    await Promise.race([Promise.allSettled([...this.pending.values()]), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    await this.journal?.close();
  }

  private schedule(entry: InboxEntry): void {
    if (this.pending.has(entry.id)) return;
    const done = this.handOn(entry).finally(() => this.pending.delete(entry.id));
    this.pending.set(entry.id, done);
  }

  private async slot(): Promise<() => void> {
    if (this.active >= (this.options.concurrency ?? 8)) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    return () => {
      this.active--;
      this.waiting.shift()?.();
    };
  }

  private async handOn(entry: InboxEntry): Promise<void> {
    const release = await this.slot();
    try {
      await this.handOnWithRetries(entry);
    } finally {
      release();
    }
  }

  private async handOnWithRetries(entry: InboxEntry): Promise<void> {
    const base = this.options.retryBaseMs ?? 500;
    const max = this.options.retryMaxMs ?? 30_000;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.deliver(entry);
        this.journal?.markDone(entry.id);
        return;
      } catch (error) {
        if (this.closed) return;
        const wait = Math.min(max, base * 2 ** (attempt - 1));
        this.options.log.warn({ deliveryId: entry.id, kind: entry.kind, attempt, err: error, retryInMs: wait }, "could not hand a webhook to the engine yet; retrying");
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }
}
