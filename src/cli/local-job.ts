import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { promisify } from "node:util";
import { gitEnv } from "../git/git-env.js";
import { slugify } from "../workflow/branch-names.js";
import type { FixJob, RepoRef } from "../workflow/types.js";
import { UsageError, type FixArgs } from "./args.js";

const run = promisify(execFile);

function looksLikeUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\s]+@[^:\s]+:/.test(repo);
}

/** Resolves --repo to a clone URL and its default branch (from the remote's HEAD). */
export async function resolveRepo(repo: string): Promise<RepoRef> {
  let cloneUrl = repo;
  if (!looksLikeUrl(repo)) {
    cloneUrl = resolve(repo);
    const exists = await stat(cloneUrl).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!exists) throw new UsageError(`--repo ${repo}: no such directory`);
  }
  let out: string;
  try {
    ({ stdout: out } = await run("git", ["ls-remote", "--symref", cloneUrl, "HEAD"], { env: gitEnv({}), timeout: 60_000 }));
  } catch (error) {
    throw new UsageError(`--repo ${repo} is not a git repository git can read: ${(error as Error).message.split("\n")[0]}`);
  }
  const branch = /^ref: refs\/heads\/(\S+)\s+HEAD/m.exec(out)?.[1];
  if (!branch) throw new UsageError(`--repo ${repo} has no default branch (is it empty?)`);
  const name = basename(cloneUrl.replace(/\.git\/?$/, "").replace(/\/+$/, "")) || "repo";
  const hash = createHash("sha256").update(cloneUrl).digest("hex").slice(0, 8);
  return { owner: "local", name: `${slugify(name, 30)}-${hash}`, cloneUrl, defaultBranch: branch };
}

/** Hash of everything that defines the request: rerunning the same command resumes the same run. Pure. */
export function requestKeyFor(repo: RepoRef, issue: { title: string; body: string }, args: FixArgs): string {
  return createHash("sha256")
    .update(JSON.stringify({ repo: repo.cloneUrl, issue, config: args.config }))
    .digest("hex")
    .slice(0, 16);
}

/** The job a CLI run enqueues. Pure apart from the clock and user name passed in. */
export function buildLocalJob(params: {
  repo: RepoRef;
  issue: { title: string; body: string };
  args: FixArgs;
  requestKey: string;
  now: number;
  user: string;
}): FixJob {
  const slug = slugify(params.issue.title);
  return {
    kind: "fix-issue",
    runId: `local-${params.requestKey.slice(0, 8)}-${params.now.toString(36)}`,
    source: "local",
    requestedBy: params.user,
    receivedAt: params.now,
    repo: params.repo,
    issue: { number: 0, title: params.issue.title, body: params.issue.body },
    branch: `fixbot/${slug}`,
    requestKey: params.requestKey,
    configOverride: params.args.config,
  };
}
