import { renderTrackingComment, reviewMarker, trackingMarker } from "../github/comment-body.js";
import { upsertMarkedComment } from "../github/marked-comment.js";
import type { InstallationAccess } from "../github/octokit.js";
import { findOrCreatePullRequest, type PullRequestRef } from "../github/pull-request.js";
import { renderPullRequest } from "../github/pr-body.js";
import type { FixJob, RunView, TestSummary } from "../workflow/types.js";
import type { StepDeps } from "./deps.js";

async function access(deps: StepDeps, job: FixJob): Promise<InstallationAccess> {
  if (!deps.github || job.installationId === undefined) throw new Error("this step needs GitHub access (a GitHub job)");
  return deps.github.forInstallation(job.installationId);
}

/** Creates or edits the run's one tracking comment. Returns its id. */
export async function publishTracking(deps: StepDeps, job: FixJob, view: RunView): Promise<number | undefined> {
  if (job.source === "local") {
    deps.onLocalProgress?.(job, view);
    return undefined;
  }
  const { octokit } = await access(deps, job);
  const { id } = await upsertMarkedComment({
    octokit,
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
  params: { job: FixJob; files: string[]; insertions: number; deletions: number; attempts: number; tests: TestSummary; agentSummary: string; draft: boolean },
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

/** Posts the review on the pull request as one comment, found again by its marker. */
export async function publishReview(deps: StepDeps, params: { job: FixJob; pullNumber: number; review: string }): Promise<{ url: string }> {
  const { job } = params;
  const { octokit } = await access(deps, job);
  const marker = reviewMarker(job.runId);
  const body = `${marker}\n### 🔎 fixbot review\n\n${params.review.trim()}`;
  const { url } = await upsertMarkedComment({
    octokit,
    owner: job.repo.owner,
    repo: job.repo.name,
    issueNumber: params.pullNumber,
    marker,
    body,
  });
  return { url };
}
