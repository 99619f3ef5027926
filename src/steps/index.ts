import { checkRequest } from "./check-request.js";
import { cloneRepo } from "./clone-repo.js";
import { commitChange } from "./commit-change.js";
import type { StepDeps } from "./deps.js";
import { openPullRequest, publishReview, publishTracking } from "./github-steps.js";
import { pushBranch } from "./push-branch.js";
import { reportFixCheck } from "./fix-check.js";
import { reviewChange } from "./review-change.js";
import { runAgent } from "./run-agent.js";
import { runTests } from "./run-tests.js";
import { leasedFixStep } from "../workspaces/leased-steps.js";

type Bound<F> = F extends (deps: StepDeps, ...args: infer A) => infer R ? (...args: A) => R : never;

/** The workflow's activities, bound to their dependencies (Temporal's `createActivities(deps)` pattern). */
export function createSteps(deps: StepDeps) {
  const bind = <F extends (deps: StepDeps, ...args: any[]) => unknown>(fn: F) =>
    ((...args: unknown[]) => fn(deps, ...args)) as Bound<F>;
  return {
    deps,
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
  };
}

export type Steps = ReturnType<typeof createSteps>;
export type { StepDeps } from "./deps.js";
