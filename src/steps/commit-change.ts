import { commitChange as gitCommit, prepareWorkspace, setBranch } from "../git/workspace.js";
import { commitMessage } from "../github/pr-body.js";
import type { FixJob } from "../workflow/types.js";
import type { StepDeps } from "./deps.js";
import { gitAccessFor } from "./git-access.js";
import { workspaceDir } from "./workspace-path.js";

/**
 * Commits base + patch on the job's branch. Author, committer, date and message are fixed by the job, so a
 * re-run (after a crash, or in a wiped workspace) produces the very same sha.
 */
export async function commitChange(deps: StepDeps, params: { job: FixJob; baseSha: string; patch: string; timeoutMs: number }): Promise<{ sha: string }> {
  const { job } = params;
  const dir = workspaceDir(deps.dataDir, job);
  const access = await gitAccessFor(deps, job, params.timeoutMs);
  await prepareWorkspace({ ...access, dir, branch: job.repo.defaultBranch, baseSha: params.baseSha, patch: params.patch });
  const sha = await gitCommit({ dir, message: commitMessage(job.issue, job.source), dateMs: job.receivedAt, timeoutMs: params.timeoutMs });
  await setBranch({ dir, branch: job.branch, sha, timeoutMs: params.timeoutMs });
  return { sha };
}
