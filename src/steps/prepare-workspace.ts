import { ensureCommit, exportTree } from "../git/clean-repo.js";
import { killLeftoverGroup } from "../exec/leftover-group.js";
import type { FixJob } from "../workflow/types.js";
import type { StepDeps } from "./deps.js";
import { gitAccessFor } from "./git-access.js";
import { gitDirFor, workspaceDir } from "./workspace-path.js";

/**
 * What every step that runs repository code does first: kill whatever an interrupted run of this step left
 * running, then lay out base + patch as plain files in the workspace (from fixbot's clean repository, fetched
 * again when a fresh machine lacks it). Returns the workspace and the clean repository.
 */
export async function prepareWorkspace(
  deps: StepDeps,
  params: { job: FixJob; baseSha: string; patch: string; timeoutMs: number; groupFile: string },
): Promise<{ dir: string; gitDir: string }> {
  const { job } = params;
  const dir = workspaceDir(deps.dataDir, job);
  const gitDir = gitDirFor(deps.dataDir, job);
  await killLeftoverGroup(params.groupFile);
  const access = await gitAccessFor(deps, job, params.timeoutMs, "read");
  await ensureCommit({ ...access, gitDir, branch: job.repo.defaultBranch, sha: params.baseSha });
  await exportTree({ gitDir, sha: params.baseSha, patch: params.patch, dir, timeoutMs: params.timeoutMs });
  return { dir, gitDir };
}
