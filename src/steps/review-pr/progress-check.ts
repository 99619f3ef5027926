import type { FailOn } from "../../github/check-run.js";
import { completeOpenCheckRun, startCheckRun } from "../../github/check-run-progress.js";
import { reviewFailedCheckText, reviewStartedCheckText } from "../../workflow/review-pr/check-texts.js";
import type { PrReviewJob, ReviewSettings } from "../../workflow/review-pr/types.js";
import type { StepDeps } from "../deps.js";
import { reviewCheckKey, unlessNotGranted } from "./report-check.js";

/** What the start step recorded: the check run the review will complete, and how a failure concludes it. */
export type StartedCheck = { kind: "started"; checkRunId: number; failOn: FailOn } | { kind: "not-granted"; reason: string };

/**
 * Before the review agent runs: the check run "fixbot review" on the head, `in_progress` (found by its external
 * id first, so a retry never adds a second). The report step completes this same check run. An installation that
 * has not granted `checks: write` gets none (one log line), as in the report step.
 */
export async function startReviewCheck(deps: StepDeps, params: { job: PrReviewJob; settings: ReviewSettings }): Promise<StartedCheck> {
  const { job } = params;
  return unlessNotGranted(deps, job, async () => {
    const run = await startCheckRun({ ...(await reviewCheckKey(deps, job)), ...reviewStartedCheckText(job.pr.headSha) });
    return { kind: "started" as const, checkRunId: run.id, failOn: params.settings.failOn ?? "never" };
  });
}

/**
 * A review that ended in an error: its still-open check run is completed (`neutral` under failOn `never`, else
 * `failure`) with what failed and how to retry, so a required check does not wait forever. Returns the check
 * run's id, or undefined when there was none open.
 */
export async function failReviewCheck(
  deps: StepDeps,
  params: { job: PrReviewJob; failOn: FailOn; step: string; cause: string; line: string },
): Promise<number | undefined> {
  const key = await reviewCheckKey(deps, params.job);
  return completeOpenCheckRun({ ...key, ...reviewFailedCheckText(params) });
}
