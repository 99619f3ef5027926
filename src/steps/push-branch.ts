import { pushBranch as gitPush } from "../git/clean-repo.js";
import type { FixJob } from "../workflow/types.js";
import { commitChange } from "./commit-change.js";
import type { StepDeps } from "./deps.js";
import { gitAccessFor } from "./git-access.js";
import { gitDirFor } from "./workspace-path.js";

/**
 * Pushes the fix commit to `fixbot/issue-<n>` from fixbot's clean repository with a token that may write this
 * one repository's contents. The commit is rebuilt first (same sha, by construction) so the step works on a fresh
 * machine; pushing a sha the remote already has is a no-op.
 */
export async function pushBranch(
  deps: StepDeps,
  params: { job: FixJob; baseSha: string; patch: string; sha: string; timeoutMs: number },
): Promise<{ sha: string; result: "pushed" | "up-to-date" }> {
  const { job } = params;
  const rebuilt = await commitChange(deps, params);
  if (rebuilt.sha !== params.sha) {
    throw new Error(`rebuilt commit ${rebuilt.sha} differs from the recorded ${params.sha}; refusing to push a different change`);
  }
  const access = await gitAccessFor(deps, job, params.timeoutMs, "write");
  const result = await gitPush({
    ...access,
    gitDir: gitDirFor(deps.dataDir, job),
    branch: job.branch,
    sha: params.sha,
    force: job.target === undefined,
  });
  return { sha: params.sha, result };
}
