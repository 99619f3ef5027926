import type { RepoConfig } from "../config/repo.schema.js";
import { fetchBranch, readFileAt } from "../git/clean-repo.js";
import { detectTestCommand } from "./test-command.js";
import type { FixJob } from "../workflow/types.js";
import type { StepDeps } from "./deps.js";
import { gitAccessFor } from "./git-access.js";
import { gitDirFor } from "./workspace-path.js";

export interface CloneResult {
  baseSha: string;
  /** The test command to run, configured or detected; undefined when the repo has none (the run stops). */
  testCommand?: string;
}

/** Fetches the default branch into fixbot's clean repository and works out the test command from it. */
export async function cloneRepo(deps: StepDeps, job: FixJob, config: RepoConfig): Promise<CloneResult> {
  const gitDir = gitDirFor(deps.dataDir, job);
  const timeoutMs = config.timeouts.clone * 1000;
  const access = await gitAccessFor(deps, job, timeoutMs, "read");
  const baseSha = await fetchBranch({ ...access, gitDir, branch: job.repo.defaultBranch });
  const pkg = config.testCommand ? undefined : await readFileAt({ gitDir, sha: baseSha, path: "package.json", timeoutMs });
  return { baseSha, testCommand: detectTestCommand(config.testCommand, pkg) };
}
