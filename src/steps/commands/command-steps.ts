import { upsertMarkedComment } from "../../github/marked-comment.js";
import { readThreadComments, readUnresolvedThreads, upsertThreadReply } from "../../github/review-threads.js";
import { cappedThread, type ReviewThread } from "../../workflow/threads/thread-text.js";
import { GITHUB_WRITES, type FixbotOctokit, type InstallationAccess } from "../../github/octokit.js";
import type { CommandJob } from "../../webhooks/comment-to-command.js";
import { hasAccess } from "../../github/permission.js";
import { replyMarker } from "../../workflow/commands/replies.js";
import type { StepDeps } from "../deps.js";

async function installationFor(deps: StepDeps, job: CommandJob): Promise<InstallationAccess> {
  if (!deps.github) throw new Error("slash commands need GitHub access");
  return deps.github.forInstallation(job.installationId, { repository: job.repo.name, permissions: GITHUB_WRITES });
}

async function octokitFor(deps: StepDeps, job: CommandJob): Promise<FixbotOctokit> {
  return (await installationFor(deps, job)).octokit;
}

/** 👀 on the comment: fixbot saw it. GitHub answers an existing reaction with 200, so a re-run adds nothing. */
export async function acknowledge(deps: StepDeps, job: CommandJob): Promise<void> {
  const octokit = await octokitFor(deps, job);
  if (job.thread) {
    await octokit.rest.reactions.createForPullRequestReviewComment({
      owner: job.repo.owner,
      repo: job.repo.name,
      comment_id: job.commentId,
      content: "eyes",
    });
    return;
  }
  await octokit.rest.reactions.createForIssueComment({
    owner: job.repo.owner,
    repo: job.repo.name,
    comment_id: job.commentId,
    content: "eyes",
  });
}

/** The commenter's role, and whether it allows commands (write, maintain or admin). */
export async function checkWriteAccess(deps: StepDeps, job: CommandJob): Promise<{ allowed: boolean; role: string }> {
  const octokit = await octokitFor(deps, job);
  const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
    owner: job.repo.owner,
    repo: job.repo.name,
    username: job.sender,
  });
  const roleName = (data as { role_name?: string }).role_name;
  return { allowed: hasAccess({ roleName, permission: data.permission }, "write"), role: roleName ?? data.permission };
}

/** The answer to one command: one comment per delivery, found again by its marker; in its review thread, if it came from one. */
export async function reply(deps: StepDeps, job: CommandJob, text: string): Promise<string> {
  const { octokit, app } = await installationFor(deps, job);
  const marker = replyMarker(job.deliveryId);
  if (job.thread) {
    const { owner, name: repo } = job.repo;
    const body = `${marker}\n${text}`;
    return (await upsertThreadReply({ octokit, owner, repo, pullNumber: job.number, rootId: job.thread.rootId, marker, body, app })).url;
  }
  const { url } = await upsertMarkedComment({
    octokit,
    app,
    owner: job.repo.owner,
    repo: job.repo.name,
    issueNumber: job.number,
    marker,
    body: `${marker}\n${text}`,
  });
  return url;
}

/** What a command on a pull request needs to know about it. Plain data. */
export interface PullRequestInfo {
  number: number;
  title: string;
  body: string;
  url: string;
  author: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  headRepoFullName: string | null;
  fork: boolean;
}

export async function getPullRequest(deps: StepDeps, job: CommandJob): Promise<PullRequestInfo> {
  const octokit = await octokitFor(deps, job);
  const { data } = await octokit.rest.pulls.get({ owner: job.repo.owner, repo: job.repo.name, pull_number: job.number });
  const headRepo = data.head.repo?.full_name ?? null;
  return {
    number: data.number,
    title: data.title,
    body: data.body ?? "",
    url: data.html_url,
    author: data.user?.login ?? "",
    headRef: data.head.ref,
    headSha: data.head.sha,
    baseRef: data.base.ref,
    headRepoFullName: headRepo,
    fork: headRepo?.toLowerCase() !== `${job.repo.owner}/${job.repo.name}`.toLowerCase(),
  };
}

/** The command's review thread with its comments so far (the command's own included). */
export async function readThread(deps: StepDeps, job: CommandJob): Promise<ReviewThread> {
  if (!job.thread) throw new Error("the command did not come from a review thread");
  const octokit = await octokitFor(deps, job);
  const comments = await readThreadComments({
    octokit,
    owner: job.repo.owner,
    repo: job.repo.name,
    pullNumber: job.number,
    rootId: job.thread.rootId,
  });
  return cappedThread({ ...job.thread, comments });
}

/** The pull request's unresolved review threads, for a `/fixbot fix` without instructions. */
export async function readOpenThreads(deps: StepDeps, job: CommandJob): Promise<ReviewThread[]> {
  const octokit = await octokitFor(deps, job);
  return readUnresolvedThreads({ octokit, owner: job.repo.owner, repo: job.repo.name, pullNumber: job.number });
}
