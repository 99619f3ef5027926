import { totalTokens, type Usage } from "../agents/usage.js";
import { spendOf } from "../steps/agent-spend.js";
import type { Steps } from "../steps/index.js";
import { spendWindowError, usedUpWindow, type UsedUp } from "../spend/windows.js";
import type { FixRunState } from "./fix-run-state.js";
import type { FlowContext } from "./flow-context.js";
import type { RunIO } from "./tracked-steps.js";
import type { FixJob, RunView } from "./types.js";

type RunError = NonNullable<RunView["error"]>;

/** Spend windows apply to GitHub runs when the operator set any (src/spend/windows.ts). */
function ledgerFor(steps: Steps, job: FixJob) {
  return job.source === "github" ? spendOf(steps.deps) : undefined;
}

/**
 * The spend-window check before an attempt (`attempt` 1: the run has not started its agent yet). Its verdict is
 * recorded, so a replay takes the same decision. Returns the run's error when a window is used up.
 */
export async function checkSpend(
  ctx: FlowContext<FixRunState>,
  steps: Steps,
  io: RunIO,
  job: FixJob,
  attempt: number,
): Promise<RunError | undefined> {
  const spend = ledgerFor(steps, job);
  if (!spend) return undefined;
  const error = await ctx.step({
    name: `check-spend#${attempt}`,
    timeout: 60_000,
    maxRetries: 3,
    run: async (): Promise<RunError | null> => {
      const usedUp = await usedUpNow(steps, spend, job, io.now());
      if (!usedUp) return null;
      return spendWindowError({ usedUp, org: job.repo.owner, repo: job.repo.name, step: `run-agent#${attempt}`, started: attempt > 1 });
    },
  });
  return error ?? undefined;
}

/**
 * The spend-window check before the review of a fix (`check-spend#review`): the window that is used up, if any.
 * The pull request is open by then, so a used-up window skips the review only. Its verdict is recorded.
 */
export async function checkReviewSpend(ctx: FlowContext<FixRunState>, steps: Steps, io: RunIO, job: FixJob): Promise<UsedUp | undefined> {
  const spend = ledgerFor(steps, job);
  if (!spend) return undefined;
  const usedUp = await ctx.step({
    name: "check-spend#review",
    timeout: 60_000,
    maxRetries: 3,
    run: async () => (await usedUpNow(steps, spend, job, io.now())) ?? null,
  });
  return usedUp ?? undefined;
}

/** The used-up window now, if any, counted in the refusals metric. */
async function usedUpNow(
  steps: Steps,
  spend: NonNullable<ReturnType<typeof ledgerFor>>,
  job: FixJob,
  now: number,
): Promise<UsedUp | undefined> {
  const usedUp = usedUpWindow(await spend.ledger.totals(job.repo.owner, job.repo.name, now), spend.limits, now);
  if (usedUp) steps.deps.metrics?.spendRefusals.inc({ limit: usedUp.window });
  return usedUp;
}

/** Adds an attempt's (or the run's review's: `attempt` "review") reported usage to the org's spend, once (keyed by run id + attempt). */
export async function recordSpend(
  ctx: FlowContext<FixRunState>,
  steps: Steps,
  io: RunIO,
  job: FixJob,
  attempt: number | "review",
  usage: Usage | undefined,
): Promise<void> {
  const spend = ledgerFor(steps, job);
  if (!spend || !usage) return;
  await ctx.step({
    name: `record-spend#${attempt}`,
    timeout: 60_000,
    maxRetries: 3,
    run: async () => {
      await spend.ledger.add(job.repo.owner, {
        key: `${job.runId}#${attempt}`,
        repo: job.repo.name,
        at: io.now(),
        tokens: totalTokens(usage),
        costUsd: usage.costUsd ?? 0,
      });
    },
  });
}
