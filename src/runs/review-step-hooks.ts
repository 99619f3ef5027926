import { errorLine } from "../util/error-text.js";
import type { StepContext } from "../workflow/flow-context.js";
import type { PrReviewJob, PrReviewRun, PrReviewState } from "../workflow/review-pr/types.js";
import { stepFailed, stepFinished, stepStarted } from "../workflow/run-view.js";
import type { StepHooks } from "../workflow/step-runner.js";
import type { RunsIndexWriter } from "./index-client.js";
import { reviewRunSummary } from "./review-run-summary.js";

type Steps = PrReviewRun & { steps: NonNullable<PrReviewRun["steps"]> };

/**
 * The review workflow's step hooks: each step's start and end is kept in the review run (actor state, saved with
 * the step) and reported to the runs index (bounded, never failing). No extra recorded step: they ride inside
 * the steps they describe.
 */
export function reviewStepHooks(p: { job: PrReviewJob; now: () => number; index?: RunsIndexWriter }) {
  const change = async (sc: StepContext<PrReviewState>, update: (run: Steps) => Steps): Promise<void> => {
    const run = sc.state.runs.find((r) => r.runId === p.job.runId);
    if (!run) return;
    const next = update({ ...run, steps: run.steps ?? [] });
    sc.state.runs = sc.state.runs.map((r) => (r.runId === next.runId ? next : r));
    await p.index?.upsert(reviewRunSummary(p.job, next, p.now()));
  };
  return (name: string): StepHooks<PrReviewState, unknown> => ({
    started: (sc) => change(sc, (run) => stepStarted(run, name, p.now())),
    finished: (sc) => change(sc, (run) => stepFinished(run, name, p.now())),
    failed: async (sc, error) => {
      await change(sc, (run) => stepFailed(run, name, p.now(), errorLine(error)));
      return error;
    },
  });
}
