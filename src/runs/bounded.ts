/** The index could not answer in time (or at all): the runs API answers 503 with this message. */
export class RunsIndexUnavailable extends Error {
  override name = "RunsIndexUnavailable";
}

/**
 * The call's result, or a RunsIndexUnavailable after `ms` (the call itself is not cancelled: RivetKit's client
 * has no per-call timeout; its late answer is ignored). Keeps a slow or wedged actor from holding a workflow
 * step or an HTTP request.
 */
export async function bounded<T>(what: string, ms: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RunsIndexUnavailable(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([call(), timeout]);
  } catch (error) {
    throw error instanceof RunsIndexUnavailable ? error : new RunsIndexUnavailable(`${what} failed: ${String(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `work` for each key at most once at a time; a failure is forgotten, so the next call tries again. */
export function singleFlight<K, T>(work: (key: K) => Promise<T>): (key: K) => Promise<T> {
  const pending = new Map<K, Promise<T>>();
  return (key) => {
    let promise = pending.get(key);
    if (!promise) {
      promise = work(key);
      pending.set(key, promise);
      promise.catch(() => pending.delete(key));
    }
    return promise;
  };
}
