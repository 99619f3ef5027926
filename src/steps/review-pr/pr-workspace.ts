import { upsertMarkedComment } from "../../github/marked-comment.js";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { fetchBranch } from "../../git/clean-repo.js";
import type { GitAccess } from "../../git/git.js";
import { mirrorDirFor } from "../../git/mirror.js";
import { diffRange, fetchPullHead, hasCommit } from "../../git/pull-request-diff.js";
import { CONTENTS_READ, GITHUB_WRITES, type InstallationAccess } from "../../github/octokit.js";
import type { PrReviewJob, ReviewRange } from "../../workflow/review-pr/types.js";
import type { StepDeps } from "../deps.js";

function safe(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** fixbot's clean bare repository for one PR: the base branch and the PR head, as git objects only. */
export function prGitDir(dataDir: string, job: PrReviewJob): string {
  return join(dataDir, "git", safe(job.repo.owner), safe(job.repo.name), `pr-${job.pr.number}.git`);
}

/** The same-repository review agent's tree: the head as plain files (`pr-<n>`: issue workspaces are numbers). */
export function prWorkspaceDir(dataDir: string, job: PrReviewJob): string {
  return join(dataDir, "workspaces", safe(job.repo.owner), safe(job.repo.name), `pr-${job.pr.number}`);
}

/** Every sandboxed step of one PR's reviews runs as the same uid. */
export function prSandboxKey(job: PrReviewJob): string {
  return `${job.repo.owner}/${job.repo.name}/pr-${job.pr.number}`;
}

/** An empty directory the review agent runs in when it must not see a checkout (fork pull requests). */
export function prAgentCwd(dataDir: string, job: PrReviewJob): string {
  return join(dataDir, "review-cwd", [job.repo.owner, job.repo.name, `pr-${job.pr.number}`].map(safe).join("__"));
}

/** Where the review agent's process group is recorded, so a resumed step kills what a crash left running. */
export function prGroupFile(dataDir: string, job: PrReviewJob): string {
  return join(dataDir, "groups", `${[job.repo.owner, job.repo.name, `pr-${job.pr.number}`].map(safe).join("__")}.review.json`);
}

/** The installation's REST client for this repository (reading the config, writing the review); a review job always comes from GitHub. */
export async function installationFor(deps: StepDeps, job: PrReviewJob): Promise<InstallationAccess> {
  if (!deps.github) throw new Error("reviewing a pull request needs GitHub access");
  return deps.github.forInstallation(job.installationId, { repository: job.repo.name, permissions: GITHUB_WRITES });
}

/** Base clone URL plus a fresh read-only token for this repository (asked for per step: tokens expire after an hour). */
export async function prGitAccess(deps: StepDeps, job: PrReviewJob, timeoutMs: number): Promise<GitAccess> {
  if (!deps.github) throw new Error("reviewing a pull request needs GitHub access");
  const { token } = await deps.github.forInstallation(job.installationId, { repository: job.repo.name, permissions: CONTENTS_READ });
  return {
    url: job.repo.cloneUrl,
    token,
    timeoutMs,
    mirror: { dataDir: deps.dataDir, dir: mirrorDirFor(deps.dataDir, job.installationId, job.repo.owner, job.repo.name), log: deps.log },
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Fetches the base branch and the PR head into fixbot's clean repository; returns the base branch's tip and the
 * fetched head. The PR's code arrives as git objects only: nothing from it is checked out or run here.
 */
export async function clonePullRequest(params: {
  access: GitAccess;
  gitDir: string;
  job: PrReviewJob;
}): Promise<{ baseTip: string; pullHead: string }> {
  const baseTip = await fetchBranch({ ...params.access, gitDir: params.gitDir, branch: params.job.pr.baseRef });
  const pullHead = await fetchPullHead({ ...params.access, dir: params.gitDir, number: params.job.pr.number });
  return { baseTip, pullHead };
}

/**
 * The recorded range's diff, rebuilt from git. The disk is a cache: when the clone is missing (a resumed run on
 * a fresh machine) or lacks a commit, it is cloned and fetched again. The same shas always give the same diff.
 */
export async function readRangeDiff(
  deps: StepDeps,
  job: PrReviewJob,
  range: ReviewRange,
  timeoutMs: number,
): Promise<{ diff: string; gitDir: string; token: string | undefined }> {
  const gitDir = prGitDir(deps.dataDir, job);
  const access = await prGitAccess(deps, job, timeoutMs);
  const ready = async () =>
    (await exists(join(gitDir, "HEAD"))) &&
    (await hasCommit({ dir: gitDir, sha: range.from, timeoutMs })) &&
    (await hasCommit({ dir: gitDir, sha: range.to, timeoutMs }));
  if (!(await ready())) {
    await clonePullRequest({ access, gitDir, job });
    if (!(await ready()))
      throw new Error(`commits ${range.from.slice(0, 7)}..${range.to.slice(0, 7)} are no longer in pull request #${job.pr.number}`);
  }
  return { diff: await diffRange({ dir: gitDir, from: range.from, to: range.to, timeoutMs }), gitDir, token: access.token };
}

/** One comment of fixbot's on the pull request, found by its marker and edited in place (a refusal, a config problem). */
export async function upsertPrComment(deps: StepDeps, job: PrReviewJob, marker: string, body: string): Promise<{ url: string }> {
  const { octokit, app } = await installationFor(deps, job);
  const { url } = await upsertMarkedComment({
    octokit,
    app,
    owner: job.repo.owner,
    repo: job.repo.name,
    issueNumber: job.pr.number,
    marker,
    body,
  });
  return { url };
}
