import { stat } from "node:fs/promises";
import { join } from "node:path";
import { diffRange, fetchPullHead, hasCommit } from "../../git/pull-request-diff.js";
import { cloneRepo, type GitAccess } from "../../git/workspace.js";
import type { InstallationAccess } from "../../github/octokit.js";
import type { PrReviewJob, ReviewRange } from "../../workflow/review-pr/types.js";
import type { StepDeps } from "../deps.js";

function safe(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** fixbot's clone of the base repository for one PR (`pr-<n>`: issue workspaces are named by the bare number). */
export function prWorkspaceDir(dataDir: string, job: PrReviewJob): string {
  return join(dataDir, "workspaces", safe(job.repo.owner), safe(job.repo.name), `pr-${job.pr.number}`);
}

/** An empty directory the review agent runs in when it must not see a checkout (fork pull requests). */
export function prAgentCwd(dataDir: string, job: PrReviewJob): string {
  return join(dataDir, "review-cwd", [job.repo.owner, job.repo.name, `pr-${job.pr.number}`].map(safe).join("__"));
}

/** Where the review agent's process group is recorded, so a resumed step kills what a crash left running. */
export function prGroupFile(dataDir: string, job: PrReviewJob): string {
  return join(dataDir, "groups", `${[job.repo.owner, job.repo.name, `pr-${job.pr.number}`].map(safe).join("__")}.review.json`);
}

/** The installation's REST client and token; a review job always comes from GitHub. */
export async function installationFor(deps: StepDeps, job: PrReviewJob): Promise<InstallationAccess> {
  if (!deps.github) throw new Error("reviewing a pull request needs GitHub access");
  return deps.github.forInstallation(job.installationId);
}

/** Base clone URL plus a fresh token (asked for per step: tokens expire after an hour). */
export async function prGitAccess(deps: StepDeps, job: PrReviewJob, timeoutMs: number): Promise<GitAccess> {
  const { token } = await installationFor(deps, job);
  return { url: job.repo.cloneUrl, token, timeoutMs };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Clones the base branch and fetches the PR head into fixbot's clone; returns the base branch's tip and the
 * fetched head. The PR's code arrives as git objects only: nothing from it is checked out or run here.
 */
export async function clonePullRequest(params: { access: GitAccess; dir: string; job: PrReviewJob }): Promise<{ baseTip: string; pullHead: string }> {
  const baseTip = await cloneRepo({ ...params.access, dir: params.dir, branch: params.job.pr.baseRef });
  const pullHead = await fetchPullHead({ ...params.access, dir: params.dir, number: params.job.pr.number });
  return { baseTip, pullHead };
}

/**
 * The recorded range's diff, rebuilt from git. The disk is a cache: when the clone is missing (a resumed run on
 * a fresh machine) or lacks a commit, it is cloned and fetched again. The same shas always give the same diff.
 */
export async function readRangeDiff(deps: StepDeps, job: PrReviewJob, range: ReviewRange, timeoutMs: number): Promise<{ diff: string; dir: string; token: string | undefined }> {
  const dir = prWorkspaceDir(deps.dataDir, job);
  const access = await prGitAccess(deps, job, timeoutMs);
  const ready = async () => (await exists(join(dir, ".git"))) && (await hasCommit({ dir, sha: range.from, timeoutMs })) && (await hasCommit({ dir, sha: range.to, timeoutMs }));
  if (!(await ready())) {
    await clonePullRequest({ access, dir, job });
    if (!(await ready())) throw new Error(`commits ${range.from.slice(0, 7)}..${range.to.slice(0, 7)} are no longer in pull request #${job.pr.number}`);
  }
  return { diff: await diffRange({ dir, from: range.from, to: range.to, timeoutMs }), dir, token: access.token };
}
