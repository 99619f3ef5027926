import { actor, queue } from "rivetkit";
import { workflow } from "rivetkit/workflow";
import type { StepDeps } from "../steps/deps.js";
import { createReviewSteps } from "../steps/review-pr/index.js";
import { capped } from "../workflow/admit.js";
import { admitReviewJob, coversHead, finishReviewRun, markAwaiting, reviewNeedsWaking } from "../workflow/review-pr/decide.js";
import { reviewPullRequest } from "../workflow/review-pr/review-pull-request.js";
import { initialPrReviewState, type PrReviewJob, type PrReviewRun, type PrReviewState } from "../workflow/review-pr/types.js";
import { ENQUEUE_WAKE_MS, startsNextTick, tickChainBroken } from "./wake.js";
import { scheduleTick } from "./tick.js";
import { recordReviewRun } from "../metrics/run-metrics.js";
import { FINAL_WRITE } from "../runs/feed.js";
import { reviewRunSummary } from "../runs/review-run-summary.js";
import { reviewStepHooks } from "../runs/review-step-hooks.js";
import type { FlowContext } from "../workflow/flow-context.js";
import { stateStep } from "../workflow/step-runner.js";

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
        const log = deps.log.child({
          runId: job.runId,
          repo: `${job.repo.owner}/${job.repo.name}`,
          pr: job.pr.number,
          head: job.pr.headSha.slice(0, 7),
        });

        const flow: FlowContext<PrReviewState> = loop;
        const admission = await stateStep(flow, "admit-job", async (state) => {
          const decision = admitReviewJob(state, job);
          state.awaiting = state.awaiting.filter((id) => id !== job.deliveryId);
          state.seenDeliveries = capped([...state.seenDeliveries, job.deliveryId], MAX_DELIVERIES_KEPT);
          if (decision.ok) {
            const run: PrReviewRun = {
              runId: job.runId,
              action: job.action,
              headSha: job.pr.headSha,
              status: "running",
              startedAt: deps.now(),
            };
            state.runs = capped([...state.runs, run], MAX_RUNS_KEPT);
            await deps.runsIndex?.upsert(reviewRunSummary(job, run, deps.now()));
          }
          return decision;
        });
        if (!admission.ok) {
          log.info({ reason: admission.reason }, "review not run");
          return;
        }

        const result = await loop.try("run-review", (tc) =>
          reviewPullRequest(tc, steps, job, admission.since, reviewStepHooks({ job, now: deps.now, index: deps.runsIndex })),
        );

        const final = await stateStep(flow, "record-outcome", async (state) => {
          const run = { ...finishReviewRun(findRun(state, job.runId), result, deps.now()), closed: true };
          replaceRun(state, run);
          if (deps.metrics) recordReviewRun(deps.metrics, run.status);
          if (coversHead(run.status)) state.lastReviewedSha = job.pr.headSha;
          await deps.runsIndex?.upsert(reviewRunSummary(job, run, deps.now()), FINAL_WRITE);
          return run;
        });
        const level = final.status === "error" ? "error" : "info";
        log[level]({ status: final.status, reason: final.reason ?? final.error, review: final.reviewUrl }, "review finished");
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
