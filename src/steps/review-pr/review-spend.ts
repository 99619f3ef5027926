import type { UsedUp } from "../../spend/windows.js";
import { PR_SPEND_MARKER, spendRefusalComment } from "../../workflow/review-pr/review-text.js";
import type { PrReviewJob } from "../../workflow/review-pr/types.js";
import type { StepDeps } from "../deps.js";
import { upsertPrComment } from "./pr-workspace.js";

/** Says on the PR which window stopped its review and when it resets: one comment, found by its marker and edited in place. */
export async function reportSpendRefusal(deps: StepDeps, job: PrReviewJob, usedUp: UsedUp): Promise<{ url: string }> {
  return upsertPrComment(deps, job, PR_SPEND_MARKER, spendRefusalComment({ job, usedUp }));
}
