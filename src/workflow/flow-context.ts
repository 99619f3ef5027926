import type { RunView } from "./types.js";

/** The actor state the fix workflow keeps. Plain JSON, persisted by the engine with each step. */
export interface FixRunState {
  /** Recent runs on this issue, oldest first (capped). The last one is the current or latest run. */
  runs: RunView[];
  /** Delivery ids already taken (capped): GitHub may deliver the same webhook twice. */
  seenDeliveries: string[];
  /** When the latest run finished; a request that arrived before then was answered by that run. */
  lastFinishedAt: number;
  /** The actor keeps a wake-up alarm ticking until then while a job waits in its queue, and while a run is open. */
  wakeUntil: number;
  /** When a job was last enqueued, and when the workflow last took one from the queue. */
  lastEnqueuedAt: number;
  lastDequeuedAt: number;
  /**
   * Delivery ids handed over in one batch (keepAwake with jobs) and not yet taken (not in seenDeliveries): one
   * timestamp cannot say that jobs 2..n of a batch still wait once job 1 was taken. Absent in older state.
   */
  queued?: string[];
  /** When the next tick alarm is due; a chain that missed its time (crash) is started again. */
  nextTickAt: number;
  /** A cancel asked for this run; every later step of it stops at once (also after a crash). */
  cancelRequest?: { runId: string; by: string };
}

export function initialFixRunState(): FixRunState {
  return { runs: [], seenDeliveries: [], lastFinishedAt: 0, wakeUntil: 0, nextTickAt: 0, lastEnqueuedAt: 0, lastDequeuedAt: 0 };
}

/** What a step body gets: the actor state and the signal aborted when the actor stops. */
export interface StepContext {
  state: FixRunState;
  abortSignal: AbortSignal;
}

export interface StepOptions<T> {
  name: string;
  run: (sc: StepContext) => Promise<T>;
  timeout?: number;
  maxRetries?: number;
  retryBackoffBase?: number;
  retryBackoffMax?: number;
  retryOnTimeout?: boolean;
}

/**
 * The part of RivetKit's workflow context the fix workflow uses. Declared here so the orchestration reads
 * plainly and can be driven by the real engine only (no fake engine: tests run the actor on the real one).
 */
export interface FlowContext {
  step<T>(config: StepOptions<T>): Promise<T>;
}
