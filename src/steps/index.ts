import { checkRequest } from "./check-request.js";
import { cloneRepo } from "./clone-repo.js";
import { commitChange } from "./commit-change.js";
import { bindDeps } from "./bind-deps.js";
import type { StepDeps } from "./deps.js";
import { openPullRequest, publishReview, publishTracking } from "./github-steps.js";
import { pushBranch } from "./push-branch.js";
import { reportFixCheck } from "./fix-check.js";
import { replyInThread } from "./thread-reply.js";
import { reviewChange } from "./review-change.js";
import { runAgent } from "./run-agent.js";
import { runTests } from "./run-tests.js";
import { leasedFixStep } from "../workspaces/leased-steps.js";
import { gitDirFor } from "./workspace-path.js";
import { stepSlot } from "../limits/step-slot.js";
import type { FixJob } from "../workflow/types.js";

/** The workflow's activities, bound to their dependencies. */
export function createSteps(deps: StepDeps) {
  const bind = bindDeps(deps);
  return {
    deps,
    /** Where a job's clean repository lives (the CLI prints it). */
    workspaceFor: (job: FixJob) => gitDirFor(deps.dataDir, job),
    /** The run slot a step of this job waits for (none when the process sets no limits); `vm`: an agentOS step. */
    slotFor: (job: FixJob, vm: boolean, step: string) =>
      stepSlot(deps, job.repo, vm, `${job.repo.owner}/${job.repo.name}#${job.issue.number} ${step}`),
    checkRequest: bind(checkRequest),
    cloneRepo: leasedFixStep(deps, bind(cloneRepo)),
    runAgent: leasedFixStep(deps, bind(runAgent)),
    runTests: leasedFixStep(deps, bind(runTests)),
    commitChange: leasedFixStep(deps, bind(commitChange)),
    pushBranch: leasedFixStep(deps, bind(pushBranch)),
    openPullRequest: bind(openPullRequest),
    reviewChange: leasedFixStep(deps, bind(reviewChange)),
    publishReview: bind(publishReview),
    publishTracking: bind(publishTracking),
    reportFixCheck: bind(reportFixCheck),
    replyInThread: bind(replyInThread),
  };
}

export type Steps = ReturnType<typeof createSteps>;
export type { StepDeps } from "./deps.js";
