import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import { BOT_IDENTITY, gitEnv } from "./git-env.js";

/**
 * Git operations on a run's workspace. The workspace on disk is only a cache: `prepareWorkspace` rebuilds it
 * from what earlier steps recorded (base sha + patch), so a step can run in a fresh process or container.
 */

export interface GitAccess {
  /** Clone URL (https, file:// or a local path). */
  url: string;
  /** Installation token for https remotes; sent as a header, never stored. */
  token?: string;
  timeoutMs: number;
}

export function git(dir: string, access: Pick<GitAccess, "token" | "timeoutMs">, extraEnv: Record<string, string> = {}): SimpleGit {
  const env = { ...gitEnv({ token: access.token }), ...extraEnv };
  return simpleGit({
    baseDir: dir,
    timeout: { block: access.timeoutMs },
    // simple-git guards every GIT_* variable. Ours are deliberate: the token header travels in GIT_CONFIG_*
    // (never in argv or .git/config) and the host's global config is replaced by /dev/null (see git-env.ts).
    allowEnvironment: Object.keys(env).filter((k) => k.startsWith("GIT_")),
    unsafe: { allowUnsafeConfigEnvCount: true, allowUnsafeConfigPaths: true },
  }).env(env);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Clones `branch` into `dir` (replacing whatever is there) and returns the head sha. */
export async function cloneRepo(params: GitAccess & { dir: string; branch: string }): Promise<string> {
  await rm(params.dir, { recursive: true, force: true });
  await mkdir(dirname(params.dir), { recursive: true });
  await git(dirname(params.dir), params).clone(params.url, params.dir, ["--branch", params.branch, "--single-branch", "--no-tags"]);
  return (await git(params.dir, params).revparse(["HEAD"])).trim();
}

/**
 * Makes `dir` hold exactly `baseSha` plus `patch` (staged), cloning or fetching when the cache is missing or
 * stale. Ignored files (node_modules, build output) survive, so set-up work is not redone needlessly.
 */
export async function prepareWorkspace(params: GitAccess & { dir: string; branch: string; baseSha: string; patch?: string }): Promise<void> {
  if (!(await exists(join(params.dir, ".git")))) await cloneRepo(params);
  const g = git(params.dir, params);
  const hasBase = await g.raw(["cat-file", "-t", params.baseSha]).then(
    (t) => t.trim() === "commit",
    () => false,
  );
  if (!hasBase) await g.fetch(params.url, params.branch);
  await g.raw(["checkout", "--force", "--detach", params.baseSha]);
  await g.raw(["reset", "--hard", params.baseSha]);
  await g.raw(["clean", "-fd"]);
  if (params.patch) await applyPatch(params.dir, params.patch, params);
}

async function applyPatch(dir: string, patch: string, access: Pick<GitAccess, "timeoutMs">): Promise<void> {
  const file = join(tmpdir(), `fixbot-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.patch`);
  await writeFile(file, patch.endsWith("\n") ? patch : `${patch}\n`);
  try {
    await git(dir, access).raw(["apply", "--index", "--binary", "--whitespace=nowarn", file]);
  } finally {
    await rm(file, { force: true });
  }
}

export interface ChangeSummary {
  /** Binary-safe diff of everything changed against the base, untracked files included. */
  patch: string;
  files: string[];
  insertions: number;
  deletions: number;
}

/** Stages everything (respecting .gitignore) and returns the diff against `baseSha`. */
export async function captureChange(params: { dir: string; baseSha: string; timeoutMs: number }): Promise<ChangeSummary> {
  const g = git(params.dir, params);
  await g.raw(["add", "--all"]);
  const patch = await g.raw(["diff", "--cached", "--binary", params.baseSha]);
  const numstat = await g.raw(["diff", "--cached", "--numstat", params.baseSha]);
  let insertions = 0;
  let deletions = 0;
  const files: string[] = [];
  for (const line of numstat.split("\n").filter(Boolean)) {
    const [added, removed, ...path] = line.split("\t");
    insertions += Number(added) || 0;
    deletions += Number(removed) || 0;
    files.push(path.join("\t"));
  }
  return { patch, files, insertions, deletions };
}

/**
 * Commits the staged change with a fixed author, committer and date, so the same change on the same base always
 * gives the same sha: re-running the step after a crash cannot create a second, different commit.
 */
export async function commitChange(params: { dir: string; message: string; dateMs: number; timeoutMs: number }): Promise<string> {
  const date = `${Math.floor(params.dateMs / 1000)} +0000`;
  const g = git(params.dir, params, {
    GIT_AUTHOR_NAME: BOT_IDENTITY.name,
    GIT_AUTHOR_EMAIL: BOT_IDENTITY.email,
    GIT_COMMITTER_NAME: BOT_IDENTITY.name,
    GIT_COMMITTER_EMAIL: BOT_IDENTITY.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  });
  await g.raw(["commit", "--no-verify", "--no-gpg-sign", "-m", params.message]);
  return (await g.revparse(["HEAD"])).trim();
}

/** Points a local branch at `sha` (the CLI's result; also what push-branch pushes). */
export async function setBranch(params: { dir: string; branch: string; sha: string; timeoutMs: number }): Promise<void> {
  await git(params.dir, params).raw(["branch", "--force", params.branch, params.sha]);
}

/** Reads the sha a remote branch points at, or undefined when it does not exist. */
export async function remoteBranchSha(params: GitAccess & { dir: string; branch: string }): Promise<string | undefined> {
  const out = await git(params.dir, params).raw(["ls-remote", "--heads", params.url, `refs/heads/${params.branch}`]);
  return out.split(/\s+/)[0] || undefined;
}

/**
 * Pushes `sha` to `branch` unless the remote already points there (idempotent). fixbot's own branches are
 * force-pushed (a new run replaces the old fix); someone's pull request branch only fast-forwards, so commits
 * pushed there meanwhile are never lost (the push fails instead).
 */
export async function pushBranch(params: GitAccess & { dir: string; branch: string; sha: string; force: boolean }): Promise<"pushed" | "up-to-date"> {
  if ((await remoteBranchSha(params)) === params.sha) return "up-to-date";
  const args = ["push", ...(params.force ? ["--force"] : []), params.url, `${params.sha}:refs/heads/${params.branch}`];
  await git(params.dir, params).raw(args);
  return "pushed";
}

/** Reads a file from the base commit (e.g. package.json for test detection); undefined when absent. */
export async function readFileAt(params: { dir: string; sha: string; path: string; timeoutMs: number }): Promise<string | undefined> {
  return git(params.dir, params)
    .raw(["show", `${params.sha}:${params.path}`])
    .catch(() => undefined);
}
