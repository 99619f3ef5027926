import type { TryBlockResult } from "rivetkit/workflow";
import type { FixResult } from "./fix-issue.js";
import { runFinished } from "./run-view.js";
import { retryHint } from "./run-errors.js";
import { errorLine } from "../util/error-text.js";
import { cancelledBy, findRun, replaceRun, type FixRunState } from "./fix-run-state.js";
import type { FixJob, RunOutcome, RunRecord } from "./types.js";

/** Turns the try-block's result (a FixResult, or the failure of a step) into the run's final view. Pure. */
export function finalView(
  view: RunRecord,
  result: TryBlockResult<FixResult>,
  now: number,
  source: "github" | "local",
  cancelledBy?: string,
): RunRecord {
  if (cancelledBy) {
    return runFinished(view, "cancelled", now, { announced: view.announced, cancelledBy, error: undefined });
  }
  if (result.ok) {
    const { status, ...extra } = result.value;
    // Invalid config is reported on the issue even though no step announced the run.
    const announced = view.announced || status !== "ignored";
    return runFinished(view, status, now, { ...extra, announced });
  }
  const failure = result.failure;
  const step = failure.step?.stepName ?? failure.name;
  const cause =
    failure.step?.kind === "timeout" ? `timed out` : `failed${failure.step ? ` after ${failure.step.attempts} attempt(s)` : ""}`;
  return runFinished(view, "error", now, {
    announced: true,
    error: {
      step,
      message: `Step \`${step}\` ${cause}: ${errorLine(failure.error, 500)}`,
      hint: `fixbot's logs have the details (search for the run id); to start a new run, ${retryHint(source)}.`,
    },
  });
}

/** The outcome the CLI prints and the status command reads. Pure. */
export function toOutcome(view: RunRecord): RunOutcome {
  return {
    runId: view.runId,
    status: view.status,
    branch: view.branch,
    commit: view.commit,
    workspace: view.workspace,
    attempts: view.attempts,
    tests: view.tests,
    review: view.review,
    pullRequestUrl: view.pullRequest?.url,
    error: view.error ? [view.error.message, view.error.hint].filter(Boolean).join(" ") : undefined,
  };
}

/**
 * The run's view with its recorded outcome. The outcome step's return value is in the workflow history, so it
 * survives a crash even if the state change made with it did not (see savingState): the history wins. Pure.
 */
export function withOutcome(current: RunRecord, recorded: RunRecord): RunRecord {
  return current.finishedAt === undefined
    ? { ...recorded, trackingCommentId: current.trackingCommentId ?? recorded.trackingCommentId }
    : current;
}

/** Records how the job's run ended in the actor's state (who cancelled it wins over the result); returns its view. */
export function recordOutcome(state: FixRunState, job: FixJob, result: TryBlockResult<FixResult>, now: number): RunRecord {
  const view = finalView(findRun(state, job.runId), result, now, job.source, cancelledBy(state, job.runId));
  replaceRun(state, view);
  if (view.status !== "ignored") state.lastFinishedAt = view.finishedAt ?? now;
  return view;
}
