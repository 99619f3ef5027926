import type { FixRunState } from "./fix-run-state.js";
import type { FixJob } from "./types.js";

export type Admission = { ok: true } | { ok: false; reason: string };

/**
 * Should a dequeued job run? Pure. Duplicate deliveries and requests that arrived while an earlier run on the
 * same issue was in progress (a second label event) are answered by that run, not by a second one.
 */
export function admitJob(state: FixRunState, job: FixJob): Admission {
  if (job.deliveryId && state.seenDeliveries.includes(job.deliveryId)) {
    return { ok: false, reason: `delivery ${job.deliveryId} was already handled` };
  }
  if (state.runs.some((r) => r.runId === job.runId)) {
    return { ok: false, reason: `run ${job.runId} already exists` };
  }
  if (job.source === "github" && job.receivedAt < state.lastFinishedAt) {
    const last = state.runs.at(-1);
    return { ok: false, reason: `request arrived while run ${last?.runId ?? "?"} was in progress; that run answered it` };
  }
  return { ok: true };
}

/** Keeps the newest `max` entries. Pure. */
export function capped<T>(items: readonly T[], max: number): T[] {
  return items.slice(Math.max(0, items.length - max));
}
