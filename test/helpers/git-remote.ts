import { execFile } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** Identity and defaults passed on every git call so the user's global git config does not matter. */
const GIT_CONFIG = [
  "-c",
  "user.name=fixture",
  "-c",
  "user.email=fixture@example.com",
  "-c",
  "init.defaultBranch=main",
  "-c",
  "commit.gpgsign=false",
];

/** The current environment without variables that would redirect git or nested `node --test` runs. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0" };
  for (const key of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "NODE_TEST_CONTEXT"]) delete env[key];
  return env;
}

/** Runs git with the fixture config and returns its stdout. */
async function git(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await execFileAsync("git", [...GIT_CONFIG, ...args], {
    cwd,
    env: cleanEnv(),
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** Creates a bare git repository seeded with a fixture directory's files as one commit on `main`. */
export async function createBareRemote(params: {
  /** Absolute path of the fixture directory to seed the repository with. */
  fixture: string;
  /** Branch holding the seed commit (default `main`); it is also the bare repository's HEAD. */
  branch?: string;
}): Promise<{ dir: string; url: string; root: string; cleanup(): Promise<void> }> {
  const branch = params.branch ?? "main";
  const root = await mkdtemp(join(tmpdir(), "fixbot-remote-"));
  const seed = join(root, "seed");
  const dir = join(root, `${basename(params.fixture)}.git`);
  await cp(params.fixture, seed, {
    recursive: true,
    filter: (src) => !["node_modules", ".git"].includes(basename(src)),
  });
  await git(["init", "-q", `--initial-branch=${branch}`, seed]);
  await git(["add", "-A"], seed);
  await git(["commit", "-q", "-m", "Initial commit"], seed);
  await git(["init", "-q", "--bare", `--initial-branch=${branch}`, dir]);
  await git(["push", "-q", dir, `${branch}:refs/heads/${branch}`], seed);
  await rm(seed, { recursive: true, force: true });
  return {
    dir,
    url: pathToFileURL(dir).href,
    root,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** Reads a file as it is on a branch of a bare repo (git show branch:path); undefined if the branch or file is missing. */
export async function readRemoteFile(bareDir: string, branch: string, path: string): Promise<string | undefined> {
  try {
    return await git(["--git-dir", bareDir, "show", `refs/heads/${branch}:${path}`]);
  } catch {
    return undefined;
  }
}

/** Lists branches of a bare repo with their head shas. */
export async function listRemoteBranches(bareDir: string): Promise<Record<string, string>> {
  const out = await git(["--git-dir", bareDir, "for-each-ref", "--format=%(refname)%09%(objectname)", "refs/heads/"]);
  const branches: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const [ref, sha] = line.split("\t");
    if (ref && sha) branches[ref.slice("refs/heads/".length)] = sha;
  }
  return branches;
}

/** Number of commits on branch not on base. */
export async function countCommits(bareDir: string, branch: string, base = "main"): Promise<number> {
  const out = await git(["--git-dir", bareDir, "rev-list", "--count", `refs/heads/${base}..refs/heads/${branch}`]);
  return Number(out.trim());
}

/** Clones a branch of the bare remote into a temp dir and runs a shell command (e.g. "npm test"); returns exit code and output. */
export async function runInClone(bareDir: string, branch: string, command: string): Promise<{ exitCode: number; output: string }> {
  const root = await mkdtemp(join(tmpdir(), "fixbot-clone-"));
  try {
    const cwd = join(root, "work");
    await git(["clone", "-q", "--branch", branch, bareDir, cwd]);
    try {
      const { stdout, stderr } = await execFileAsync("sh", ["-c", command], {
        cwd,
        env: cleanEnv(),
        timeout: 120_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      return { exitCode: 0, output: stdout + stderr };
    } catch (error) {
      const e = error as { code?: unknown; stdout?: string; stderr?: string };
      return {
        exitCode: typeof e.code === "number" ? e.code : 1,
        output: (e.stdout ?? "") + (e.stderr ?? ""),
      };
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
