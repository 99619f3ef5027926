import type { TryBlockResult } from "rivetkit/workflow";
import { errorLine } from "../../util/error-text.js";
import type { PrReviewJob, PrReviewRun, PrReviewState, PrReviewStatus } from "./types.js";

export type ReviewAdmission = { ok: true; since: string | null } | { ok: false; reason: string };

/**
 * Should a dequeued review job run, and from which sha? Pure. A delivery seen before, or a head that was already
 * reviewed, is refused: one review per head sha. A synchronize starts from the last reviewed head (null: review
 * the whole pull request); the other actions always review the whole pull request.
 */
export function admitReviewJob(state: PrReviewState, job: PrReviewJob): ReviewAdmission {
  if (state.seenDeliveries.includes(job.deliveryId)) return { ok: false, reason: `delivery ${job.deliveryId} was already handled` };
  if (state.runs.some((r) => r.runId === job.runId)) return { ok: false, reason: `run ${job.runId} already exists` };
  if (state.lastReviewedSha === job.pr.headSha && !job.requestedBy)
    return { ok: false, reason: `head ${job.pr.headSha.slice(0, 7)} was already reviewed` };
  return { ok: true, since: job.action === "synchronize" ? state.lastReviewedSha : null };
}

/** How a review job ended, as data: the record step turns it into the run's final state. */
export type ReviewResult = Pick<PrReviewRun, "range" | "chunks" | "reviewId" | "reviewUrl" | "inlineComments" | "usage" | "reason"> & {
  status: Exclude<PrReviewStatus, "running" | "error">;
};

/** The run's final state from the try block's result (a ReviewResult, or the step that failed for good). Pure. */
export function finishReviewRun(run: PrReviewRun, result: TryBlockResult<ReviewResult>, now: number): PrReviewRun {
  if (result.ok) return { ...run, ...result.value, finishedAt: now };
  const { step, cause, line } = reviewFailure(result.failure);
  return { ...run, status: "error", finishedAt: now, error: `step ${step} ${cause}: ${line}` };
}

type TryFailure = Extract<TryBlockResult<unknown>, { ok: false }>["failure"];

/** A failed review's step, how it failed ("timed out", "failed after 2 attempt(s)") and the error's line. Pure. */
export function reviewFailure(failure: TryFailure): { step: string; cause: string; line: string } {
  const step = failure.step?.stepName ?? failure.name;
  const cause =
    failure.step?.kind === "timeout" ? "timed out" : `failed${failure.step ? ` after ${failure.step.attempts} attempt(s)` : ""}`;
  return { step, cause, line: errorLine(failure.error, 500) };
}

/**
 * Statuses after which the head counts as covered, so the next synchronize starts from it: a review was posted
 * (now or by an earlier, interrupted attempt), or there was nothing to review in it. Pure.
 */
export function coversHead(status: PrReviewStatus): boolean {
  return status === "reviewed" || status === "already-reviewed" || status === "nothing-to-review";
}

/** True while the actor has a queued job or an open run that must not be left asleep after a crash. Pure. */
export function reviewNeedsWaking(state: PrReviewState, now: number): boolean {
  const last = state.runs.at(-1);
  return (state.awaiting.length > 0 && now < state.wakeUntil) || (last !== undefined && !last.closed);
}

/** More queued deliveries than this on one pull request are still run; only the alarm bookkeeping forgets them. */
const MAX_AWAITING = 50;

/** Records an enqueued delivery as waiting, unless the workflow already took it (keepAwake came late). Pure. */
export function markAwaiting(state: Pick<PrReviewState, "awaiting" | "seenDeliveries">, deliveryId: string): string[] {
  if (state.seenDeliveries.includes(deliveryId) || state.awaiting.includes(deliveryId)) return state.awaiting;
  return [...state.awaiting, deliveryId].slice(-MAX_AWAITING);
}
