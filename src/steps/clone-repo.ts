import type { RepoConfig } from "../config/repo.schema.js";
import { cloneRepo as gitClone, readFileAt } from "../git/workspace.js";
import { detectTestCommand } from "../workflow/task-text.js";
import type { FixJob } from "../workflow/types.js";
import type { StepDeps } from "./deps.js";
import { gitAccessFor } from "./git-access.js";
import { workspaceDir } from "./workspace-path.js";

export interface CloneResult {
  baseSha: string;
  /** The test command to run, configured or detected; undefined when the repo has none (the run stops). */
  testCommand?: string;
}

/** Clones the default branch and works out the test command from the base commit. */
export async function cloneRepo(deps: StepDeps, job: FixJob, config: RepoConfig): Promise<CloneResult> {
  const dir = workspaceDir(deps.dataDir, job);
  const timeoutMs = config.timeouts.clone * 1000;
  const access = await gitAccessFor(deps, job, timeoutMs);
  const baseSha = await gitClone({ ...access, dir, branch: job.repo.defaultBranch });
  const pkg = config.testCommand ? undefined : await readFileAt({ dir, sha: baseSha, path: "package.json", timeoutMs });
  return { baseSha, testCommand: detectTestCommand(config.testCommand, pkg) };
}
