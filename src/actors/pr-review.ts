import type { Logger } from "pino";
import { actor, queue } from "rivetkit";
import { workflow } from "rivetkit/workflow";
import type { StepDeps } from "../steps/deps.js";
import { createReviewSteps, type ReviewSteps } from "../steps/review-pr/index.js";
import { capped } from "../workflow/admit.js";
import {
  admitReviewJob,
  coversHead,
  finishReviewRun,
  markAwaiting,
  reviewFailure,
  reviewNeedsWaking,
  type ReviewAdmission,
} from "../workflow/review-pr/decide.js";
import { reviewPullRequest } from "../workflow/review-pr/review-pull-request.js";
import { initialPrReviewState, type PrReviewJob, type PrReviewRun, type PrReviewState } from "../workflow/review-pr/types.js";
import { ENQUEUE_WAKE_MS, startsNextTick, tickChainBroken } from "./wake.js";
import { scheduleTick } from "./tick.js";
import { recordReviewRun } from "../metrics/run-metrics.js";
import { FINAL_WRITE } from "../runs/feed.js";
import { reviewRunSummary } from "../runs/review-run-summary.js";
import { reviewStepHooks } from "../runs/review-step-hooks.js";
import type { JobContext } from "../workflow/flow-context.js";
import { stateStep } from "../workflow/step-runner.js";
import { recordingStartedCheck, START_CHECK_STEP } from "../workflow/review-pr/started-check.js";

const MAX_RUNS_KEPT = 20;
const MAX_DELIVERIES_KEPT = 200;

function replaceRun(state: PrReviewState, run: PrReviewRun): void {
  state.runs = state.runs.map((r) => (r.runId === run.runId ? run : r));
}

function findRun(state: PrReviewState, runId: string): PrReviewRun {
  const run = state.runs.find((r) => r.runId === runId);
  if (!run) throw new Error(`review run ${runId} is missing from the actor state`);
  return run;
}

/**
 * One actor per (owner/repo, PR number): reviews of one pull request run one at a time, in push order, and the
 * actor remembers the last reviewed head so a push is reviewed incrementally. Its workflow loops over its queue;
 * each job runs inside a try block, so a failing review ends in a recorded error and never wedges the queue.
 */
export function createPrReviewActor(deps: StepDeps) {
  const steps = createReviewSteps(deps);
  return actor({
    state: initialPrReviewState(),
    queues: { jobs: queue<PrReviewJob>() },
    run: workflow(async (ctx) => {
      await ctx.loop("jobs", async (loop) => {
        const message = await loop.queue.next("wait-job", { names: ["jobs"] });
        const job = message.body as PrReviewJob;
        await runReviewJob(loop, { deps, steps, job });
      });
    }),
    actions: {
      /** Called after every enqueue: keeps the wake-up alarm ticking until the job has run (see actors/wake.ts). */
      keepAwake: async (c, deliveryId: string): Promise<void> => {
        const now = Date.now();
        c.state.awaiting = markAwaiting(c.state, deliveryId);
        c.state.wakeUntil = Math.max(c.state.wakeUntil, now + ENQUEUE_WAKE_MS);
        if (reviewNeedsWaking(c.state, now) && tickChainBroken(c.state, now)) await scheduleTick(c, now);
      },
      /** The alarm: reschedules itself while a job waits or a review is open, so a crashed review resumes. */
      tick: async (c): Promise<void> => {
        const now = Date.now();
        if (!reviewNeedsWaking(c.state, now)) {
          c.state.nextTickAt = 0;
          return;
        }
        if (startsNextTick(c.state.nextTickAt, now)) await scheduleTick(c, now);
      },
      /** Recent review runs on this pull request, oldest first. */
      getReviews: (c): PrReviewRun[] => c.state.runs,
      /** The head sha the last review covered (where the next incremental review starts). */
      getLastReviewedSha: (c): string | null => c.state.lastReviewedSha,
    },
  });
}

/**
 * The admit-job step's body: decides whether the job runs (admitReviewJob), marks its delivery seen and no longer
 * awaited, and opens a running review run when it is admitted.
 */
function admitAndOpen(state: PrReviewState, job: PrReviewJob, now: () => number): ReviewAdmission {
  const decision = admitReviewJob(state, job);
  state.awaiting = state.awaiting.filter((id) => id !== job.deliveryId);
  state.seenDeliveries = capped([...state.seenDeliveries, job.deliveryId], MAX_DELIVERIES_KEPT);
  if (decision.ok) {
    const run: PrReviewRun = {
      runId: job.runId,
      action: job.action,
      headSha: job.pr.headSha,
      status: "running",
      startedAt: now(),
    };
    state.runs = capped([...state.runs, run], MAX_RUNS_KEPT);
  }
  return decision;
}

/**
 * One job on the pr-review actor: admit it, review in a try block (a failing review ends in a recorded error and
 * never wedges the queue), then record the outcome and the head it covers.
 */
async function runReviewJob(loop: JobContext<PrReviewState>, p: { deps: StepDeps; steps: ReviewSteps; job: PrReviewJob }): Promise<void> {
  const { deps, steps, job } = p;
  const log = deps.log.child({
    runId: job.runId,
    repo: `${job.repo.owner}/${job.repo.name}`,
    pr: job.pr.number,
    head: job.pr.headSha.slice(0, 7),
  });

  const admission = await stateStep(loop, "admit-job", async (state) => {
    const decision = admitAndOpen(state, job, deps.now);
    const run = decision.ok ? state.runs.find((r) => r.runId === job.runId) : undefined;
    if (run) await deps.runsIndex?.upsert(reviewRunSummary(job, run, deps.now()));
    return decision;
  });
  if (!admission.ok) {
    log.info({ reason: admission.reason }, "review not run");
    return;
  }

  const hooks = reviewStepHooks({ job, now: deps.now, index: deps.runsIndex });
  const track = (name: string) => (name === START_CHECK_STEP ? recordingStartedCheck(hooks(name), job.runId) : hooks(name));
  const result = await loop.try("run-review", (tc) => reviewPullRequest(tc, steps, job, admission.since, track));
  if (!result.ok) await failCheckRun(loop, { steps, job, log, failure: reviewFailure(result.failure) });

  const final = await stateStep(loop, "record-outcome", async (state) => {
    const run = { ...finishReviewRun(findRun(state, job.runId), result, deps.now()), closed: true };
    replaceRun(state, run);
    if (deps.metrics) recordReviewRun(deps.metrics, run.status, run.usage);
    if (coversHead(run.status)) state.lastReviewedSha = job.pr.headSha;
    await deps.runsIndex?.upsert(reviewRunSummary(job, run, deps.now()), FINAL_WRITE);
    return run;
  });
  const level = final.status === "error" ? "error" : "info";
  log[level]({ status: final.status, reason: final.reason ?? final.error, review: final.reviewUrl }, "review finished");
}

/**
 * A review that ended in an error completes the check run its start step opened (if any), so a pull request
 * whose branch protection requires it is not left waiting. Best effort and bounded: a recorded step whose own
 * failure is only logged.
 */
async function failCheckRun(
  loop: JobContext<PrReviewState>,
  p: { steps: ReviewSteps; job: PrReviewJob; log: Logger; failure: ReturnType<typeof reviewFailure> },
): Promise<void> {
  const done = await loop.tryStep({
    name: "fail-check-run",
    timeout: 60_000,
    maxRetries: 3,
    retryBackoffBase: 2_000,
    retryBackoffMax: 20_000,
    run: async (sc) => {
      const check = sc.state.runs.find((r) => r.runId === p.job.runId)?.check;
      if (!check) return null;
      return (await p.steps.failCheck({ job: p.job, failOn: check.failOn, ...p.failure })) ?? null;
    },
  });
  if (!done.ok) p.log.warn({ err: done.failure.error }, "could not complete the review's check run after the review failed");
}
