import type { StepDeps } from "../steps/deps.js";
import { prAgentCwd, prGitDir, prWorkspaceDir } from "../steps/review-pr/pr-workspace.js";
import { gitDirFor, workspaceDir } from "../steps/workspace-path.js";
import type { PrReviewJob } from "../workflow/review-pr/types.js";
import type { FixJob } from "../workflow/types.js";
import { acquireLease, type Lease } from "./lease.js";

/**
 * The steps' leases, as one-line wrappers for the step tables (createSteps, createReviewSteps): while a step that
 * works in a workspace runs, the workspace is leased and never garbage-collected. Between steps it may be
 * (past the retention period or the size limit): the next step rebuilds it from what earlier steps recorded.
 */
async function leaseAll(dataDir: string, dirs: string[]): Promise<Lease[]> {
  return Promise.all(dirs.map((dir) => acquireLease(dataDir, dir)));
}

function leased<A extends unknown[], R>(
  deps: StepDeps,
  dirsOf: (...args: A) => string[],
  step: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const leases = await leaseAll(deps.dataDir, dirsOf(...args));
    try {
      return await step(...args);
    } finally {
      await Promise.all(leases.map((l) => l.release()));
    }
  };
}

/** A fix step whose first argument is the job, or a params object holding it. */
export function leasedFixStep<A extends unknown[], R>(deps: StepDeps, step: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return leased(
    deps,
    (...args: A) => {
      const first = args[0] as FixJob | { job: FixJob };
      const job = "job" in first ? first.job : first;
      return [workspaceDir(deps.dataDir, job), gitDirFor(deps.dataDir, job)];
    },
    step,
  );
}

/** A review step (params with the job): the PR's clean repository, the agent's tree and, for a fork, its empty directory. */
export function leasedReviewStep<A extends [{ job: PrReviewJob }, ...unknown[]], R>(
  deps: StepDeps,
  step: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return leased(
    deps,
    (...args: A) => [prWorkspaceDir(deps.dataDir, args[0].job), prAgentCwd(deps.dataDir, args[0].job), prGitDir(deps.dataDir, args[0].job)],
    step,
  );
}
