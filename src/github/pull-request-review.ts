import type { Logger } from "pino";
import { findMarked, itemsOf, type AppIdentity } from "./app-authored.js";
import type { Finding } from "./review-findings.js";
import { suggestionBlock } from "./suggestions.js";
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
export async function findReviewByMarker(params: PullRef & { marker: string; app: AppIdentity }): Promise<PostedReview | undefined> {
  const { octokit, owner, repo, pullNumber, marker } = params;
  const pages = octokit.paginate.iterator(octokit.rest.pulls.listReviews, { owner, repo, pull_number: pullNumber, per_page: 100 });
  // Only the App's own reviews: a stranger's review carrying the marker must not suppress fixbot's.
  const found = await findMarked(itemsOf(pages), marker, params.app);
  return found ? { reviewId: found.id, url: found.html_url } : undefined;
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
    comments: params.inline.map((f) => ({
      path: f.path,
      line: f.line,
      side: "RIGHT",
      ...(f.startLine !== undefined ? { start_line: f.startLine, start_side: "RIGHT" as const } : {}),
      body: inlineBody(f),
    })),
    // No blind retry: a lost answer after GitHub wrote the review would post a second one. The step retries,
    // and looks for the review's marker first.
    request: { retries: 0 },
  });
  return { reviewId: data.id, url: data.html_url };
}

/** More inline comments than this bury the PR; the rest go into the review body with their path:line. */
export const MAX_INLINE_COMMENTS = 50;

export interface PublishedReview extends PostedReview {
  inlineComments: number;
  /** True when the review was found, not created: an earlier attempt had posted it. */
  existed: boolean;
}

/**
 * Posts ONE pull request review carrying `marker`: `inline` findings as inline comments (at most
 * MAX_INLINE_COMMENTS; the rest and `outside` go into the body that `bodyFor` renders). The PR's reviews are
 * searched for the marker first, so a re-run (retry, crash, lost answer) never posts a second one. If GitHub still
 * refuses an inline position (422: its view of the PR diff differs from the reviewed one), the review is posted
 * with every finding in the body instead. Both the pull request review and the fix flow's chained review use it.
 */
export async function publishReviewOnce(
  params: PullRef & {
    marker: string;
    app: AppIdentity;
    commitId: string;
    inline: Finding[];
    outside: Finding[];
    bodyFor: (inBody: Finding[]) => string;
    log: Logger;
  },
): Promise<PublishedReview> {
  const { marker, inline, outside, bodyFor } = params;
  const pull: PullRef = { octokit: params.octokit, owner: params.owner, repo: params.repo, pullNumber: params.pullNumber };
  const existing = await findReviewByMarker({ ...pull, marker, app: params.app });
  if (existing) return { ...existing, inlineComments: 0, existed: true };
  const shown = inline.slice(0, MAX_INLINE_COMMENTS);
  try {
    const posted = await createCommentReview({
      ...pull,
      commitId: params.commitId,
      body: bodyFor([...inline.slice(MAX_INLINE_COMMENTS), ...outside]),
      inline: shown,
    });
    return { ...posted, inlineComments: shown.length, existed: false };
  } catch (error) {
    if (!isUnprocessable(error) || shown.length === 0) throw error;
    params.log.warn({ pr: params.pullNumber, err: error }, "GitHub refused an inline position; posting every finding in the review body");
    const again = await findReviewByMarker({ ...pull, marker, app: params.app });
    if (again) return { ...again, inlineComments: 0, existed: true };
    const posted = await createCommentReview({ ...pull, commitId: params.commitId, body: bodyFor([...inline, ...outside]), inline: [] });
    return { ...posted, inlineComments: 0, existed: false };
  }
}

/** Two chunks (or one chatty agent) may report the same finding twice; it is shown once. Pure. */
export function dedupeFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.path}\0${f.line}\0${f.body}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const SEVERITY_ICON = { info: "ℹ️", warning: "⚠️", error: "❌" } as const;

function inlineBody(f: Finding): string {
  const text = f.severity ? `${SEVERITY_ICON[f.severity]} **${f.severity}** ${f.body}` : f.body;
  // A committable suggestion: GitHub offers the replacement as a one-click commit on these lines.
  return f.suggestion !== undefined ? `${text}\n\n${suggestionBlock(f.suggestion)}` : text;
}

/** True for GitHub's "Unprocessable Entity": here, an inline comment on a line it does not accept. */
export function isUnprocessable(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { status?: number }).status === 422;
}
