import { diffRange, hasCommit, isAncestor, mergeBase } from "../../git/pull-request-diff.js";
import { chunkDiff } from "../../diff/diff-chunks.js";
import { parseDiff } from "../../diff/diff.js";
import { findReviewByMarker } from "../../github/pull-request-review.js";
import { prReviewMarker } from "../../workflow/review-pr/review-text.js";
import type { PrReviewJob, ReviewPlan, ReviewRange, ReviewSettings } from "../../workflow/review-pr/types.js";
import type { StepDeps } from "../deps.js";
import { clonePullRequest, installationFor, prGitAccess, prGitDir } from "./pr-workspace.js";

/**
 * Works out what to review: first whether GitHub already has fixbot's review of this head (then nothing more
 * happens), then the commit range (whole PR, or the commits since `since` for a synchronize), its diff, and the
 * budgeted chunks. Returns paths, not patches: each chunk step rebuilds its part of the diff from the shas.
 */
export async function fetchDiff(
  deps: StepDeps,
  params: { job: PrReviewJob; settings: ReviewSettings; since: string | null },
): Promise<ReviewPlan> {
  const { job, settings } = params;
  const { octokit, app } = await installationFor(deps, job);
  const existing = await findReviewByMarker({
    octokit,
    app,
    owner: job.repo.owner,
    repo: job.repo.name,
    pullNumber: job.pr.number,
    marker: prReviewMarker(job),
  });
  if (existing) return { kind: "already-reviewed", ...existing };

  const timeoutMs = settings.cloneTimeoutMs;
  const dir = prGitDir(deps.dataDir, job);
  const access = await prGitAccess(deps, job, timeoutMs);
  const { baseTip, pullHead } = await clonePullRequest({ access, gitDir: dir, job });
  const head = job.pr.headSha;
  if (!(await hasCommit({ dir, sha: head, timeoutMs }))) {
    return {
      kind: "superseded",
      reason: `head ${head.slice(0, 7)} is no longer in the pull request (it now points at ${pullHead.slice(0, 7)})`,
    };
  }
  const range = await chooseRange({ dir, baseTip, head, since: params.since, timeoutMs });
  const files = parseDiff(await diffRange({ dir, from: range.from, to: range.to, timeoutMs }));
  if (files.length === 0) return { kind: "nothing", range, reason: "the reviewed range changes no file" };

  const { chunks, skipped } = chunkDiff(files, {
    maxChunkBytes: settings.maxChunkBytes,
    maxFileBytes: settings.maxChunkBytes,
    maxChunks: settings.maxChunks,
    ignorePaths: settings.ignorePaths,
  });
  if (skipped.length === files.length && skipped.every((s) => s.reason === "ignored-path")) {
    return { kind: "nothing", range, reason: "every changed file matches pullRequests.ignorePaths" };
  }
  return { kind: "review", range, chunks: chunks.map((c) => c.map((f) => f.path)), skipped, files: files.length };
}

/**
 * Incremental when the last reviewed head is still an ancestor of the new head; otherwise (nothing reviewed yet,
 * a force-push) the whole pull request, from its merge base with the base branch, saying why.
 */
async function chooseRange(p: {
  dir: string;
  baseTip: string;
  head: string;
  since: string | null;
  timeoutMs: number;
}): Promise<ReviewRange> {
  const { dir, head, since, timeoutMs } = p;
  if (since && (await hasCommit({ dir, sha: since, timeoutMs })) && (await isAncestor({ dir, ancestor: since, sha: head, timeoutMs }))) {
    return { mode: "incremental", from: since, to: head };
  }
  const from = await mergeBase({ dir, a: p.baseTip, b: head, timeoutMs });
  if (!since) return { mode: "full", from, to: head };
  return {
    mode: "full",
    from,
    to: head,
    note: `The last reviewed head ${since.slice(0, 7)} is no longer part of this pull request (force-push?), so all of it was reviewed again.`,
  };
}
