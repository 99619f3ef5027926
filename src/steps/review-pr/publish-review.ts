import { sumReported } from "../../agents/usage.js";
import { renderReviewBody, type Finding } from "../../github/review-findings.js";
import { dedupeFindings, publishReviewOnce, type PublishedReview } from "../../github/pull-request-review.js";
import { composeReviewSummary, prReviewMarker } from "../../workflow/review-pr/review-text.js";
import type { ChunkReview, PrReviewJob, ReviewPlan } from "../../workflow/review-pr/types.js";
import type { StepDeps } from "../deps.js";
import { installationFor } from "./pr-workspace.js";

export type { PublishedReview };

/**
 * Posts ONE pull request review for the head sha: the summary, the findings GitHub cannot place inline and the
 * files not reviewed in the body, the rest as inline comments; never twice (see publishReviewOnce).
 */
export async function publishPrReview(
  deps: StepDeps,
  params: { job: PrReviewJob; plan: Extract<ReviewPlan, { kind: "review" }>; reviews: ChunkReview[] },
): Promise<PublishedReview> {
  const { job, plan } = params;
  const { octokit, app } = await installationFor(deps, job);
  const marker = prReviewMarker(job);
  const summary = composeReviewSummary({
    job,
    range: plan.range,
    files: plan.files,
    summaries: params.reviews.map((r) => r.summary),
    usage: sumReported(params.reviews.map((r) => r.usage)),
  });
  return publishReviewOnce({
    octokit,
    app,
    owner: job.repo.owner,
    repo: job.repo.name,
    pullNumber: job.pr.number,
    marker,
    commitId: job.pr.headSha,
    inline: dedupeFindings(params.reviews.flatMap((r) => r.inline)),
    outside: dedupeFindings(params.reviews.flatMap((r) => r.outside)),
    bodyFor: (inBody: Finding[]) =>
      renderReviewBody({
        summary,
        outside: inBody,
        skipped: plan.skipped,
        coveredRange: { from: plan.range.from, to: plan.range.to },
        marker,
      }),
    log: deps.log.child({ runId: job.runId }),
  });
}
