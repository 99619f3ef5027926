import type { Finding } from "./review-findings.js";
import type { FixbotOctokit } from "./octokit.js";

export interface PullRef {
  octokit: FixbotOctokit;
  owner: string;
  repo: string;
  pullNumber: number;
}

export interface PostedReview {
  reviewId: number;
  url: string;
}

/**
 * Finds a review on the pull request whose body carries `marker`. This is the idempotency check of publishing:
 * a step that re-runs after a crash (or after GitHub's answer was lost) finds the review it already posted.
 */
export async function findReviewByMarker(params: PullRef & { marker: string }): Promise<PostedReview | undefined> {
  const { octokit, owner, repo, pullNumber, marker } = params;
  for await (const page of octokit.paginate.iterator(octokit.rest.pulls.listReviews, { owner, repo, pull_number: pullNumber, per_page: 100 })) {
    const found = page.data.find((r) => r.body?.includes(marker));
    if (found) return { reviewId: found.id, url: found.html_url };
  }
  return undefined;
}

/**
 * Posts one review with event COMMENT (never approves or blocks) on `commitId`, with inline comments on the
 * new side of the diff. Throws GitHub's error as is: the caller decides what a 422 means.
 */
export async function createCommentReview(params: PullRef & { commitId: string; body: string; inline: Finding[] }): Promise<PostedReview> {
  const { octokit, owner, repo, pullNumber } = params;
  const { data } = await octokit.rest.pulls.createReview({
    owner,
    repo,
    pull_number: pullNumber,
    commit_id: params.commitId,
    event: "COMMENT",
    body: params.body,
    comments: params.inline.map((f) => ({ path: f.path, line: f.line, side: "RIGHT", body: inlineBody(f) })),
    // No blind retry: a lost answer after GitHub wrote the review would post a second one. The step retries,
    // and looks for the review's marker first.
    request: { retries: 0 },
  });
  return { reviewId: data.id, url: data.html_url };
}

const SEVERITY_ICON = { info: "ℹ️", warning: "⚠️", error: "❌" } as const;

function inlineBody(f: Finding): string {
  return f.severity ? `${SEVERITY_ICON[f.severity]} **${f.severity}** ${f.body}` : f.body;
}

/** True for GitHub's "Unprocessable Entity": here, an inline comment on a line it does not accept. */
export function isUnprocessable(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { status?: number }).status === 422;
}
