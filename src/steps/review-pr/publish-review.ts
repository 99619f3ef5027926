import { renderReviewBody, type Finding } from "../../github/review-findings.js";
import { createCommentReview, findReviewByMarker, isUnprocessable } from "../../github/pull-request-review.js";
import { composeReviewSummary, prReviewMarker } from "../../workflow/review-pr/review-text.js";
import type { ChunkReview, PrReviewJob, ReviewPlan } from "../../workflow/review-pr/types.js";
import type { StepDeps } from "../deps.js";
import { installationFor } from "./pr-workspace.js";

/** More inline comments than this bury the PR; the rest go into the review body with their path:line. */
const MAX_INLINE_COMMENTS = 50;

export interface PublishedReview {
  reviewId: number;
  url: string;
  inlineComments: number;
  /** True when the review was found, not created: an earlier attempt had posted it. */
  existed: boolean;
}

/**
 * Posts ONE pull request review for the head sha: the summary, the findings GitHub cannot place inline and the
 * files not reviewed in the body, the rest as inline comments. The body carries a marker with the head sha, and
 * the PR's reviews are searched for it first, so a re-run (retry, crash, lost answer) never posts a second one.
 * If GitHub still refuses an inline position (422: its view of the PR diff differs from the reviewed range, e.g.
 * after an incremental review of a revert), the review is posted with every finding in the body instead.
 */
export async function publishPrReview(deps: StepDeps, params: { job: PrReviewJob; plan: Extract<ReviewPlan, { kind: "review" }>; reviews: ChunkReview[] }): Promise<PublishedReview> {
  const { job, plan } = params;
  const { octokit } = await installationFor(deps, job);
  const pull = { octokit, owner: job.repo.owner, repo: job.repo.name, pullNumber: job.pr.number };
  const marker = prReviewMarker(job);
  const existing = await findReviewByMarker({ ...pull, marker });
  if (existing) return { ...existing, inlineComments: 0, existed: true };

  const inline = dedupe(params.reviews.flatMap((r) => r.inline));
  const outside = dedupe(params.reviews.flatMap((r) => r.outside));
  const shown = inline.slice(0, MAX_INLINE_COMMENTS);
  const summary = composeReviewSummary({ job, range: plan.range, files: plan.files, summaries: params.reviews.map((r) => r.summary) });
  const body = (rest: Finding[]) => renderReviewBody({ summary, outside: rest, skipped: plan.skipped, coveredRange: { from: plan.range.from, to: plan.range.to }, marker });
  try {
    const posted = await createCommentReview({ ...pull, commitId: job.pr.headSha, body: body([...inline.slice(MAX_INLINE_COMMENTS), ...outside]), inline: shown });
    return { ...posted, inlineComments: shown.length, existed: false };
  } catch (error) {
    if (!isUnprocessable(error) || shown.length === 0) throw error;
    deps.log.warn({ runId: job.runId, pr: job.pr.number, err: error }, "GitHub refused an inline position; posting every finding in the review body");
    const again = await findReviewByMarker({ ...pull, marker });
    if (again) return { ...again, inlineComments: 0, existed: true };
    const posted = await createCommentReview({ ...pull, commitId: job.pr.headSha, body: body([...inline, ...outside]), inline: [] });
    return { ...posted, inlineComments: 0, existed: false };
  }
}

/** Two chunks (or one chatty agent) may report the same finding twice; it is shown once. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.path}\0${f.line}\0${f.body}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
