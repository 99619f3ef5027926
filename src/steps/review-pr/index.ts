import { bindDeps } from "../bind-deps.js";
import type { StepDeps } from "../deps.js";
import { checkPullRequest, reportInvalidConfig } from "./check-pull-request.js";
import { fetchDiff } from "./fetch-diff.js";
import { publishPrReview } from "./publish-review.js";
import { reportReviewCheck } from "./report-check.js";
import { failReviewCheck, startReviewCheck } from "./progress-check.js";
import { reviewChunk } from "./review-chunk.js";
import { leasedReviewStep } from "../../workspaces/leased-steps.js";
import { checkSpendWindows, recordAgentSpend, spendCounted } from "../agent-spend.js";
import { reportSpendRefusal } from "./review-spend.js";

/** The pull request review's activities, bound to the same dependencies as the fix workflow's (see createSteps). */
export function createReviewSteps(deps: StepDeps) {
  const bind = bindDeps(deps);
  return {
    deps,
    checkPullRequest: bind(checkPullRequest),
    reportInvalidConfig: bind(reportInvalidConfig),
    fetchDiff: leasedReviewStep(deps, bind(fetchDiff)),
    reviewChunk: leasedReviewStep(deps, bind(reviewChunk)),
    publishReview: bind(publishPrReview),
    startCheck: bind(startReviewCheck),
    reportCheck: bind(reportReviewCheck),
    failCheck: bind(failReviewCheck),
    /** Whether spend windows are kept: the spend steps run only then. */
    spendCounted: () => spendCounted(deps),
    checkSpend: bind(checkSpendWindows),
    reportSpendRefusal: bind(reportSpendRefusal),
    recordSpend: bind(recordAgentSpend),
  };
}

export type ReviewSteps = ReturnType<typeof createReviewSteps>;
