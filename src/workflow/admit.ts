import type { FixRunState } from "./fix-run-state.js";
import { newRunView } from "./run-view.js";
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

const MAX_RUNS_KEPT = 20;
const MAX_DELIVERIES_KEPT = 200;

/**
 * Takes a dequeued job into the actor's state: its delivery is marked seen, and an admitted job gets a new run
 * record (the newest 20 are kept). Returns the admission decision.
 */
export function takeJob(state: FixRunState, job: FixJob, now: number): Admission {
  const decision = admitJob(state, job);
  state.lastDequeuedAt = now;
  if (job.deliveryId) state.seenDeliveries = capped([...state.seenDeliveries, job.deliveryId], MAX_DELIVERIES_KEPT);
  if (decision.ok) {
    const view = newRunView({
      runId: job.runId,
      issueNumber: job.issue.number,
      requestedBy: job.requestedBy,
      branch: job.branch,
      maxAttempts: 0,
      now,
    });
    state.runs = capped([...state.runs, { ...view, requestKey: job.requestKey, job }], MAX_RUNS_KEPT);
  }
  return decision;
}
