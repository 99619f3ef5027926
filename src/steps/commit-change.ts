import { commitPatch, ensureCommit } from "../git/clean-repo.js";
import { commitMessage } from "../github/pr-body.js";
import type { FixJob } from "../workflow/types.js";
import type { StepDeps } from "./deps.js";
import { gitAccessFor } from "./git-access.js";
import { gitDirFor } from "./workspace-path.js";

/**
 * Commits base + patch on the job's branch in fixbot's clean repository. Author, committer, date and message are
 * fixed by the job, so a re-run (after a crash, or on a fresh machine) produces the very same sha.
 */
export async function commitChange(
  deps: StepDeps,
  params: { job: FixJob; baseSha: string; patch: string; timeoutMs: number },
): Promise<{ sha: string }> {
  const { job } = params;
  const gitDir = gitDirFor(deps.dataDir, job);
  const access = await gitAccessFor(deps, job, params.timeoutMs, "read");
  await ensureCommit({ ...access, gitDir, branch: job.repo.defaultBranch, sha: params.baseSha });
  const sha = await commitPatch({
    gitDir,
    baseSha: params.baseSha,
    patch: params.patch,
    message: commitMessage(job.issue, job.source),
    dateMs: job.receivedAt,
    branch: job.branch,
    timeoutMs: params.timeoutMs,
  });
  return { sha };
}
