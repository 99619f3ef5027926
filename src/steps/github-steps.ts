import { headReviewMarker, renderTrackingComment, trackingMarker } from "../github/comment-body.js";
import { parseDiff } from "../diff/diff.js";
import { upsertMarkedComment } from "../github/marked-comment.js";
import { GITHUB_WRITES, type InstallationAccess } from "../github/octokit.js";
import { findOrCreatePullRequest, type PullRequestRef } from "../github/pull-request.js";
import { publishReviewOnce } from "../github/pull-request-review.js";
import { parseReviewOutput, placeFindings, renderReviewBody } from "../github/review-findings.js";
import { renderPullRequest } from "../github/pr-body.js";
import type { AttemptUsage } from "../github/usage-text.js";
import type { FixJob, RunRecord, TestSummary } from "../workflow/types.js";
import type { StepDeps } from "./deps.js";

async function access(deps: StepDeps, job: FixJob): Promise<InstallationAccess> {
  if (!deps.github || job.installationId === undefined) throw new Error("this step needs GitHub access (a GitHub job)");
  return deps.github.forInstallation(job.installationId, { repository: job.repo.name, permissions: GITHUB_WRITES });
}

/** Creates or edits the run's one tracking comment. Returns its id. */
export async function publishTracking(deps: StepDeps, job: FixJob, view: RunRecord): Promise<number | undefined> {
  if (job.source === "local") {
    deps.onLocalProgress?.(job, view);
    return undefined;
  }
  const { octokit, app } = await access(deps, job);
  const { id } = await upsertMarkedComment({
    octokit,
    app,
    owner: job.repo.owner,
    repo: job.repo.name,
    issueNumber: job.issue.number,
    marker: trackingMarker(job.runId),
    body: renderTrackingComment(view),
    knownId: view.trackingCommentId,
  });
  return id;
}

export async function openPullRequest(
  deps: StepDeps,
  params: {
    job: FixJob;
    files: string[];
    insertions: number;
    deletions: number;
    attempts: number;
    tests: TestSummary;
    agentSummary: string;
    draft: boolean;
    usage?: AttemptUsage[];
  },
): Promise<PullRequestRef> {
  const { job } = params;
  const { octokit } = await access(deps, job);
  const { title, body } = renderPullRequest({ ...params, issue: job.issue, runId: job.runId });
  return findOrCreatePullRequest({
    octokit,
    owner: job.repo.owner,
    repo: job.repo.name,
    head: job.branch,
    base: job.repo.defaultBranch,
    title,
    body,
    draft: params.draft,
  });
}

/**
 * Posts the chained review as a real pull request review on the pushed commit: the reviewer's summary in the
 * body, its findings on changed lines as inline comments and the rest in the body. One review per head sha,
 * shared with the automatic review, and never two after retries or crashes (see publishReviewOnce).
 */
export async function publishReview(
  deps: StepDeps,
  params: { job: FixJob; pullNumber: number; commit: string; baseSha: string; patch: string; review: string },
): Promise<{ url: string; inlineComments: number }> {
  const { job } = params;
  const { octokit, app } = await access(deps, job);
  const { summary, findings } = parseReviewOutput(params.review);
  const { inline, outside } = placeFindings(findings, parseDiff(params.patch));
  const marker = headReviewMarker(params.commit);
  const heading = `### 🔎 fixbot review\n\n${summary}`;
  const { url, inlineComments } = await publishReviewOnce({
    octokit,
    app,
    owner: job.repo.owner,
    repo: job.repo.name,
    pullNumber: params.pullNumber,
    marker,
    commitId: params.commit,
    inline,
    outside,
    bodyFor: (inBody) =>
      renderReviewBody({
        summary: heading,
        outside: inBody,
        skipped: [],
        coveredRange: { from: params.baseSha, to: params.commit },
        marker,
      }),
    log: deps.log.child({ runId: job.runId }),
  });
  return { url, inlineComments };
}
