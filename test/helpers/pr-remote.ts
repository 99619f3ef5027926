import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

const GIT_CONFIG = [
  "-c",
  "user.name=contributor",
  "-c",
  "user.email=contributor@example.com",
  "-c",
  "commit.gpgsign=false",
  "-c",
  "init.defaultBranch=main",
];

async function git(args: string[], cwd?: string): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };
  for (const key of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"]) delete env[key];
  const { stdout } = await execFileAsync("git", [...GIT_CONFIG, ...args], { cwd, env, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/**
 * Makes a commit on top of `parent` (a branch name or a sha in the bare remote) that writes `files`, and pushes it to
 * `refs/pull/<n>/head` (what GitHub keeps for every PR, forks included) and, unless `branch` is null (a fork's
 * branch lives in the fork), to that branch. Returns the new head sha.
 */
export async function pushPullRequestCommit(params: {
  bareDir: string;
  number: number;
  parent: string;
  branch: string | null;
  files: Record<string, string>;
  message?: string;
}): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), "fixbot-pr-"));
  try {
    await git(["init", "-q", work]);
    await git(["fetch", "-q", params.bareDir, "+refs/*:refs/remote-all/*"], work);
    const parentSha = /^[0-9a-f]{40}$/.test(params.parent)
      ? params.parent
      : (await git(["rev-parse", `refs/remote-all/heads/${params.parent}`], work)).trim();
    await git(["checkout", "-q", "--detach", parentSha], work);
    for (const [path, content] of Object.entries(params.files)) {
      await mkdir(dirname(join(work, path)), { recursive: true });
      await writeFile(join(work, path), content);
    }
    await git(["add", "-A"], work);
    await git(["commit", "-q", "-m", params.message ?? "Change"], work);
    const sha = (await git(["rev-parse", "HEAD"], work)).trim();
    const refs = [`HEAD:refs/pull/${params.number}/head`, ...(params.branch ? [`HEAD:refs/heads/${params.branch}`] : [])];
    await git(["push", "-q", "--force", params.bareDir, ...refs], work);
    return sha;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
