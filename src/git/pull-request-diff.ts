import { git, type GitAccess } from "./git.js";
import { fetchViaMirror } from "./mirror.js";

/**
 * Git reads for reviewing a pull request in fixbot's clean (bare) repository of the base repository. The PR head is fetched
 * as data (objects and one private ref); nothing here runs hooks, scripts or anything else from the PR.
 */

/** The ref the fetched PR head is kept under in fixbot's clone (outside refs/heads, so no branch is touched). */
const PULL_HEAD_REF = "refs/fixbot/pull-head";

/** Fetches `refs/pull/<n>/head` of the base repository (GitHub keeps it for forks too) and returns its sha. */
export async function fetchPullHead(params: GitAccess & { dir: string; number: number }): Promise<string> {
  if (params.mirror)
    return fetchViaMirror({
      ...params,
      mirror: params.mirror,
      gitDir: params.dir,
      ref: `refs/pull/${params.number}/head`,
      localRef: PULL_HEAD_REF,
    });
  const g = git(params.dir, params);
  await g.raw(["fetch", "--no-tags", "--force", params.url, `+refs/pull/${params.number}/head:${PULL_HEAD_REF}`]);
  return (await g.revparse([PULL_HEAD_REF])).trim();
}

/** True when the clone has `sha` as a commit (a force-push can make an older head unreachable). */
export async function hasCommit(params: { dir: string; sha: string; timeoutMs: number }): Promise<boolean> {
  return git(params.dir, params)
    .raw(["cat-file", "-t", params.sha])
    .then(
      (t) => t.trim() === "commit",
      () => false,
    );
}

/** True when `ancestor` is reachable from `sha` (the last reviewed head is still part of the PR's history). */
export async function isAncestor(params: { dir: string; ancestor: string; sha: string; timeoutMs: number }): Promise<boolean> {
  return git(params.dir, params)
    .raw(["merge-base", "--is-ancestor", params.ancestor, params.sha])
    .then(
      () => true,
      () => false,
    );
}

/** The merge base of two commits: a full review diffs the PR head against it, as GitHub's "Files changed" does. */
export async function mergeBase(params: { dir: string; a: string; b: string; timeoutMs: number }): Promise<string> {
  return (await git(params.dir, params).raw(["merge-base", params.a, params.b])).trim();
}

/**
 * The unified diff `from..to` with fixed prefixes and rename detection, whatever the host's git config says,
 * so parseDiff and the chunker always read the same format.
 */
export async function diffRange(params: { dir: string; from: string; to: string; timeoutMs: number }): Promise<string> {
  return git(params.dir, params).raw([
    "-c",
    "core.quotePath=true",
    "diff",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "-M",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    params.from,
    params.to,
  ]);
}
