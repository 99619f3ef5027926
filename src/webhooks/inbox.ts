import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";

/** One accepted webhook, as it waits to be handed to its actor. Plain JSON. */
export interface InboxEntry<T = unknown> {
  /** The delivery id (X-GitHub-Delivery): names the file, so a redelivered webhook overwrites, never doubles. */
  id: string;
  kind: string;
  job: T;
  acceptedAt: number;
}

export interface InboxOptions {
  dir: string;
  /** Hands an entry to the workflow engine. Must be idempotent: actors dedupe by delivery id. */
  deliver: (entry: InboxEntry) => Promise<void>;
  log: Logger;
  /** Backoff between delivery attempts: first, and the cap. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Hand-overs in flight at once (a burst of webhooks must not swamp the engine). Default 8. */
  concurrency?: number;
}

/** Makes a rename durable: the directory entry itself must reach the disk. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, "_");
}

/**
 * The webhook inbox: a delivery is written to disk (fsync'd) before GitHub gets its answer, then handed to its
 * actor in the background, with retries, and removed once the engine has it. GitHub is answered in
 * milliseconds even when creating an actor is slow, and a process that dies in between hands the delivery on
 * when it starts again (`open`).
 */
export class Inbox {
  private readonly pending = new Map<string, Promise<void>>();
  private closed = false;
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: InboxOptions) {}

  /** Creates the directory and re-delivers what a previous process accepted but did not hand on. */
  async open(): Promise<number> {
    await mkdir(this.options.dir, { recursive: true });
    const files = (await readdir(this.options.dir)).filter((f) => f.endsWith(".json"));
    for (const file of files) {
      try {
        const entry = JSON.parse(await readFile(join(this.options.dir, file), "utf8")) as InboxEntry;
        this.options.log.info({ deliveryId: entry.id, kind: entry.kind }, "handing on a webhook accepted before the last stop");
        this.schedule(entry);
      } catch (error) {
        this.options.log.error({ file, err: error }, "unreadable inbox entry; moved aside");
        await rename(join(this.options.dir, file), join(this.options.dir, `${file}.bad`)).catch(() => undefined);
      }
    }
    return files.length;
  }

  /** Records the delivery durably, then starts handing it on. Resolves once it is safe to answer GitHub. */
  async accept(entry: InboxEntry): Promise<void> {
    if (this.closed) throw new Error("the inbox is closed: fixbot is shutting down");
    const file = join(this.options.dir, `${safeName(entry.id)}.json`);
    const temp = `${file}.tmp-${process.pid}`;
    const handle = await open(temp, "w");
    try {
      await handle.writeFile(JSON.stringify(entry));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    await syncDir(this.options.dir);
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
        await rm(join(this.options.dir, `${safeName(entry.id)}.json`), { force: true });
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
