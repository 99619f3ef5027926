import type { StepHooks } from "../step-runner.js";
import type { PrReviewRun, PrReviewState } from "./types.js";

/** The step that opens the review's check run `in_progress` (name recorded in history: keep it stable). */
export const START_CHECK_STEP = "start-check-run";

/** The run with the check run its start step opened (kept so a failed review can complete it). Pure. */
export function withStartedCheck(run: PrReviewRun, result: unknown): PrReviewRun {
  const r = result as { kind?: string; checkRunId?: unknown; failOn?: unknown } | undefined;
  if (r?.kind !== "started" || typeof r.checkRunId !== "number") return run;
  const failOn = r.failOn === "error" || r.failOn === "warning" ? r.failOn : "never";
  return { ...run, check: { checkRunId: r.checkRunId, failOn } };
}

/**
 * The start step's hooks with one more thing done inside that step: the opened check run is kept in the review
 * run (actor state, saved with the step), where the job's failure step finds it.
 */
export function recordingStartedCheck(hooks: StepHooks<PrReviewState, unknown>, runId: string): StepHooks<PrReviewState, unknown> {
  return {
    ...hooks,
    finished: async (sc, result) => {
      sc.state.runs = sc.state.runs.map((r) => (r.runId === runId ? withStartedCheck(r, result) : r));
      await hooks.finished?.(sc, result);
    },
  };
}
