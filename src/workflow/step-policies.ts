import type { RepoConfig } from "../config/repo.schema.js";
import type { StepSlot } from "../limits/step-slot.js";
import type { StepPolicy } from "./step-runner.js";

/** A call to GitHub's API: quick, retried through GitHub's own hiccups. */
export const GITHUB_CALL: StepPolicy = { timeoutMs: 60_000, maxRetries: 5 };
/** Git on this machine only (commit with a private index). */
export const GIT_LOCAL: StepPolicy = { timeoutMs: 120_000, maxRetries: 2 };

/**
 * The time and retry policy of each step of the fix workflow, from the repository's config. Steps that lay
 * out a fresh workspace first (agent, tests, review) get the clone time on top of their own. Pure.
 */
export function stepPolicies(config: Pick<RepoConfig, "timeouts">) {
  const clone = config.timeouts.clone * 1000;
  return {
    checkRequest: GITHUB_CALL,
    clone: { timeoutMs: clone, maxRetries: 3 },
    agent: { timeoutMs: config.timeouts.agent * 1000 + clone, maxRetries: 1 },
    tests: { timeoutMs: config.timeouts.tests * 1000 + clone, maxRetries: 1 },
    commit: GIT_LOCAL,
    push: { timeoutMs: clone, maxRetries: 4 },
    openPullRequest: GITHUB_CALL,
    review: { timeoutMs: config.timeouts.review * 1000 + clone, maxRetries: 1 },
    publishReview: GITHUB_CALL,
  } satisfies Record<string, StepPolicy>;
}

/** The policy with a run slot to wait for (none when the process has no limits). Pure. */
export function withSlot(policy: StepPolicy, slot: StepSlot | undefined): StepPolicy {
  return slot ? { ...policy, slot } : policy;
}

/** The agent's own time limit: its configured timeout, or less when the run's time budget has less left. Pure. */
export function agentTimeoutMs(config: Pick<RepoConfig, "timeouts">, remainingMs: number): number {
  return Math.min(config.timeouts.agent * 1000, remainingMs);
}
