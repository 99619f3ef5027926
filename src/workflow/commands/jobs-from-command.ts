import type { CommandJob } from "../../webhooks/comment-to-command.js";
import type { PullRequestInfo } from "../../steps/commands/command-steps.js";
import type { PrReviewJob } from "../review-pr/types.js";
import { capText, capTitle, TEXT_CAPS } from "../../webhooks/text-caps.js";
import { branchForIssue } from "../branch-names.js";
import type { FixJob, RunRecord } from "../types.js";
import type { ReviewThread } from "../threads/thread-text.js";

/** Jobs that slash commands start. Pure. */

/** `/fixbot fix <instructions>` on an issue: the label flow, with the extra instructions. */
export function fixJobForIssue(job: CommandJob, instructions: string): FixJob {
  return {
    kind: "fix-issue",
    runId: job.deliveryId,
    deliveryId: job.deliveryId,
    source: "github",
    requestedBy: job.sender,
    receivedAt: job.receivedAt,
    repo: job.repo,
    installationId: job.installationId,
    issue: { number: job.number, title: job.issue.title, body: job.issue.body },
    branch: branchForIssue(job.number),
    instructions,
  };
}

/**
 * `/fixbot fix <instructions>` on a same-repository pull request: commits go to its branch. `threads`: the review
 * threads it addresses (the thread the command came from, or the PR's unresolved ones); fixbot replies in each.
 */
export function fixJobForPullRequest(job: CommandJob, pr: PullRequestInfo, instructions: string, threads: ReviewThread[] = []): FixJob {
  return {
    ...(threads.length ? { threads } : {}),
    ...fixJobForIssue(job, instructions),
    repo: { ...job.repo, defaultBranch: pr.headRef },
    issue: {
      number: pr.number,
      title: capTitle(pr.title),
      body: capText(pr.body, TEXT_CAPS.issueBodyBytes, "the pull request description").text,
    },
    branch: pr.headRef,
    target: { kind: "pull-request", number: pr.number, url: pr.url },
  };
}

/** `/fixbot review`: a fresh review of the whole pull request. */
export function reviewJobForPullRequest(job: CommandJob, pr: PullRequestInfo): PrReviewJob {
  return {
    kind: "review-pr",
    runId: job.deliveryId,
    deliveryId: job.deliveryId,
    action: "opened",
    requestedBy: job.sender,
    receivedAt: job.receivedAt,
    repo: job.repo,
    installationId: job.installationId,
    pr: {
      number: pr.number,
      title: capTitle(pr.title),
      body: capText(pr.body, TEXT_CAPS.prBodyBytes, "the pull request description").text,
      author: pr.author,
      baseRef: pr.baseRef,
      headRef: pr.headRef,
      headSha: pr.headSha,
      headRepoFullName: pr.headRepoFullName,
      fork: pr.fork,
    },
  };
}

/** `/fixbot retry`: the last run's job again; `resume` continues from its recorded steps. */
export function retryJob(job: CommandJob, run: RunRecord, resume: boolean): FixJob {
  if (!run.job) throw new Error(`run ${run.runId} has no recorded job`);
  return {
    ...run.job,
    runId: job.deliveryId,
    deliveryId: job.deliveryId,
    requestedBy: job.sender,
    receivedAt: job.receivedAt,
    retryOf: resume ? run.runId : undefined,
  };
}
