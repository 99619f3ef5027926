import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { BOT_IDENTITY } from "./git-env.js";
import { git, type GitAccess } from "./git.js";
import { fetchViaMirror } from "./mirror.js";

/**
 * fixbot's clean repositories: one bare repository per run (`<data>/git/...`), written only by fixbot. The agent
 * and the tests get a plain copy of a tree (no `.git`), exported from here; fixbot measures their change inside
 * the sandbox, then commits that patch here with a private index and pushes from here. So no git command on the
 * host, and none that carries a token, ever runs in a tree an agent or a test has touched, and nothing they
 * write (hooks, fsmonitor, config, `insteadOf`) can reach fixbot's git.
 */

/** Where the branch being worked on is kept in the clean repository. */
const BASE_REF = "refs/fixbot/base";

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Fetches `branch` into the clean repository (created when missing) and returns its tip. */
export async function fetchBranch(params: GitAccess & { gitDir: string; branch: string }): Promise<string> {
  if (params.mirror) return fetchViaMirror({ ...params, mirror: params.mirror, ref: `refs/heads/${params.branch}`, localRef: BASE_REF });
  if (!(await exists(join(params.gitDir, "HEAD")))) {
    await rm(params.gitDir, { recursive: true, force: true });
    await mkdir(dirname(params.gitDir), { recursive: true });
    await git(dirname(params.gitDir), params).raw(["init", "--quiet", "--bare", params.gitDir]);
  }
  const g = git(params.gitDir, params);
  await g.raw(["fetch", "--quiet", "--no-tags", "--force", params.url, `+refs/heads/${params.branch}:${BASE_REF}`]);
  return (await g.revparse([BASE_REF])).trim();
}

export async function hasCommit(params: { gitDir: string; sha: string; timeoutMs: number }): Promise<boolean> {
  if (!(await exists(join(params.gitDir, "HEAD")))) return false;
  return git(params.gitDir, params)
    .raw(["cat-file", "-t", params.sha])
    .then(
      (t) => t.trim() === "commit",
      () => false,
    );
}

/** Makes sure the clean repository has `sha` (a resumed run on a fresh machine fetches the branch again). */
export async function ensureCommit(params: GitAccess & { gitDir: string; branch: string; sha: string }): Promise<void> {
  if (await hasCommit(params)) return;
  await fetchBranch(params);
  if (!(await hasCommit(params))) throw new Error(`commit ${params.sha.slice(0, 7)} is no longer on ${params.branch}`);
}

/** Runs `fn` with a private index file, so the clean repository's own state is never involved. */
async function withIndex<T>(fn: (indexFile: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "fixbot-index-"));
  try {
    return await fn(join(dir, "index"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function withPatchFile<T>(patch: string, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "fixbot-patch-"));
  try {
    const file = join(dir, "change.patch");
    await writeFile(file, patch.endsWith("\n") ? patch : `${patch}\n`);
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Writes `sha` plus `patch` into `dir` as plain files (no `.git`), replacing whatever was there: the tree an agent
 * or a test command gets. `dir` is emptied first, so nothing a previous step left (links included) is followed.
 */
export async function exportTree(params: { gitDir: string; sha: string; patch?: string; dir: string; timeoutMs: number }): Promise<void> {
  await rm(params.dir, { recursive: true, force: true });
  await mkdir(params.dir, { recursive: true });
  await withIndex(async (index) => {
    // cwd is the fresh, empty tree (git apply writes relative to it); GIT_DIR names the repository explicitly, so
    // git never looks for one in the tree.
    const g = git(params.dir, params, { GIT_DIR: params.gitDir, GIT_INDEX_FILE: index, GIT_WORK_TREE: params.dir });
    // The patch goes into the private index first, then the whole index is written out: the tree on disk is
    // exactly base + patch, whatever the disk held before.
    await g.raw(["read-tree", params.sha]);
    if (params.patch) await withPatchFile(params.patch, (file) => g.raw(["apply", "--cached", "--binary", "--whitespace=nowarn", file]));
    await g.raw(["checkout-index", "--all", "--force"]);
  });
}

/** Reads a file from a commit (e.g. package.json for test detection); undefined when absent. */
export async function readFileAt(params: { gitDir: string; sha: string; path: string; timeoutMs: number }): Promise<string | undefined> {
  return git(params.gitDir, params)
    .raw(["show", `${params.sha}:${params.path}`])
    .catch(() => undefined);
}

/** git commit's "whitespace" clean-up: no trailing spaces, no leading or trailing blank lines, one final newline. */
function cleanMessage(message: string): string {
  const lines = message.split("\n").map((l) => l.trimEnd());
  return `${lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim()}\n`;
}

/**
 * Commits `patch` on `baseSha` with a fixed author, committer and date, and points `refs/heads/<branch>` at it.
 * The same change on the same base always gives the same sha, so a re-run after a crash cannot create a second,
 * different commit. No working tree is involved.
 */
export async function commitPatch(params: {
  gitDir: string;
  baseSha: string;
  patch: string;
  message: string;
  dateMs: number;
  branch: string;
  timeoutMs: number;
}): Promise<string> {
  const date = `${Math.floor(params.dateMs / 1000)} +0000`;
  const sha = await withIndex(async (index) => {
    const g = git(params.gitDir, params, {
      GIT_INDEX_FILE: index,
      GIT_AUTHOR_NAME: BOT_IDENTITY.name,
      GIT_AUTHOR_EMAIL: BOT_IDENTITY.email,
      GIT_COMMITTER_NAME: BOT_IDENTITY.name,
      GIT_COMMITTER_EMAIL: BOT_IDENTITY.email,
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    });
    await g.raw(["read-tree", params.baseSha]);
    if (params.patch) await withPatchFile(params.patch, (file) => g.raw(["apply", "--cached", "--binary", "--whitespace=nowarn", file]));
    const tree = (await g.raw(["write-tree"])).trim();
    return (await g.raw(["commit-tree", tree, "-p", params.baseSha, "-m", cleanMessage(params.message).trimEnd()])).trim();
  });
  await git(params.gitDir, params).raw(["update-ref", `refs/heads/${params.branch}`, sha]);
  return sha;
}

/** Reads the sha a remote branch points at, or undefined when it does not exist. */
export async function remoteBranchSha(params: GitAccess & { gitDir: string; branch: string }): Promise<string | undefined> {
  const out = await git(params.gitDir, params).raw(["ls-remote", "--heads", params.url, `refs/heads/${params.branch}`]);
  return out.split(/\s+/)[0] || undefined;
}

/**
 * Pushes `sha` to `branch` unless the remote already points there (idempotent). fixbot's own branches are
 * force-pushed (a new run replaces the old fix); someone's pull request branch only fast-forwards, so commits
 * pushed there meanwhile are never lost (the push fails instead).
 */
export async function pushBranch(
  params: GitAccess & { gitDir: string; branch: string; sha: string; force: boolean },
): Promise<"pushed" | "up-to-date"> {
  if ((await remoteBranchSha(params)) === params.sha) return "up-to-date";
  const args = ["push", "--quiet", ...(params.force ? ["--force"] : []), params.url, `${params.sha}:refs/heads/${params.branch}`];
  await git(params.gitDir, params).raw(args);
  return "pushed";
}
