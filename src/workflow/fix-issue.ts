import type { Steps } from "../steps/index.js";
import type { Usage } from "../agents/usage.js";
import { runAttempts } from "./fix-attempts.js";
import { checkReviewSpend, recordSpend } from "./spend-steps.js";
import type { FixRunState } from "./fix-run-state.js";
import { finishChange, type FixResult } from "./finish-change.js";
import type { FlowContext } from "./flow-context.js";
import { invalidConfigError, noTestCommandError } from "./run-errors.js";
import { stepPolicies, GITHUB_CALL } from "./step-policies.js";
import { trackedSteps, type RunIO } from "./tracked-steps.js";
import type { Checkpoint, FixJob } from "./types.js";

export type { FixResult } from "./finish-change.js";

/**
 * The fix workflow, as the ordered steps it runs:
 *
 *   check the request → clone → (agent → tests → feedback) × attempts → commit → push → pull request → review
 *
 * Each step's work lives in src/steps; each step is recorded, and its name is part of the workflow history:
 * keep names stable. A retried run (`job.retryOf`) takes the recorded results of the steps that finished in the
 * run it continues, and starts at the step that failed.
 */
export async function fixIssue(ctx: FlowContext<FixRunState>, steps: Steps, io: RunIO, job: FixJob): Promise<FixResult> {
  const prior = await loadCheckpoint(ctx, job);
  const step = trackedSteps(ctx, io, job.retryOf);

  const check = await step.run("check-request", GITHUB_CALL, () => steps.checkRequest(job));
  if (check.kind === "ignored") return { status: "ignored", ignoredReason: check.reason };
  if (check.kind === "refused") return { status: "error", error: check.error };
  if (check.kind === "invalid-config") return { status: "error", error: invalidConfigError(check.problems, job.source) };
  const config = check.config;
  await step.record("post-tracking-comment", (view) => ({ ...view, maxAttempts: config.maxAttempts, announced: true }));

  const workspace = steps.workspaceFor(job);
  const clone = await step.reuseOrRun(prior?.clone, "clone-repo", stepPolicies(config).clone, () => steps.cloneRepo(job, config), {
    describe: (r) => `at ${r.baseSha.slice(0, 7)}`,
    remember: (cp, r) => ({ ...cp, clone: r }),
  });
  if (!clone.testCommand) return { status: "error", workspace, error: noTestCommandError(job.source) };

  const attempts = await runAttempts(ctx, step, steps, io, {
    job,
    config,
    baseSha: clone.baseSha,
    testCommand: clone.testCommand,
    prior,
    discussion: check.discussion,
  });
  if (attempts.kind === "stopped") {
    const { kind: _, ...result } = attempts;
    return { ...result, workspace };
  }
  const spend = {
    checkReviewSpend: () => checkReviewSpend(ctx, steps, io, job),
    recordReviewSpend: (usage: Usage | undefined) => recordSpend(ctx, steps, io, job, "review", usage),
  };
  return finishChange(step, steps, { job, config, baseSha: clone.baseSha, ...attempts, workspace, prior, ...spend });
}

/** The checkpoint of the run a retry continues (none for a new run), read once and recorded. */
function loadCheckpoint(ctx: FlowContext<FixRunState>, job: FixJob): Promise<Checkpoint | null> {
  return ctx.step({
    name: "load-checkpoint",
    // Written with the check step that follows: reading the checkpoint again after a crash gives the same.
    ephemeral: true,
    timeout: 10_000,
    maxRetries: 1,
    run: async (sc) => (job.retryOf ? (sc.state.runs.find((r) => r.runId === job.retryOf)?.checkpoint ?? null) : null),
  });
}
