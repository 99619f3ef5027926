import type { RunRecord } from "./types.js";

/** The state the fix-run actor keeps. Plain JSON, persisted by the engine with each step. */
export interface FixRunState {
  /** Recent runs on this issue, oldest first (capped). The last one is the current or latest run. */
  runs: RunRecord[];
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

export function findRun(state: FixRunState, runId: string): RunRecord {
  const run = state.runs.find((r) => r.runId === runId);
  if (!run) throw new Error(`run ${runId} is missing from the actor state`);
  return run;
}

export function replaceRun(state: FixRunState, run: RunRecord): void {
  state.runs = state.runs.map((r) => (r.runId === run.runId ? run : r));
}

/** Who cancelled the run, if someone did (recorded in state, so it survives a crash). */
export function cancelledBy(state: FixRunState, runId: string): string | undefined {
  return state.cancelRequest?.runId === runId ? state.cancelRequest.by : undefined;
}
