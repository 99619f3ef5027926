/**
 * Group commit: `commit(item)` resolves once a flush that included the item has finished. The first item is
 * flushed at once; items that arrive while a flush runs wait and share the next one. One fsync then makes a
 * whole burst of webhooks durable, and a lone webhook never waits for a timer.
 *
 * A failed flush rejects every item of its batch (and only those); the next batch is tried normally.
 */
export function createGroupCommit<T>(flush: (batch: T[]) => Promise<void>): (item: T) => Promise<void> {
  let waiting: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }> = [];
  let running = false;

  async function drain(): Promise<void> {
    running = true;
    try {
      while (waiting.length > 0) {
        const batch = waiting;
        waiting = [];
        try {
          await flush(batch.map((w) => w.item));
          for (const w of batch) w.resolve();
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      running = false;
    }
  }

  return (item: T) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!running) void drain();
    });
}
