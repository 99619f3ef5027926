import type { ReviewSteps } from "../../steps/review-pr/index.js";
import { engineTimeoutWithSlot, stepSlot, waitForStepSlot } from "../../limits/step-slot.js";
import type { StepPolicy } from "../durable-step.js";
import type { ReviewResult } from "./decide.js";
import type { ChunkReview, PrReviewJob } from "./types.js";

/**
 * The part of RivetKit's workflow context the review workflow uses. Its steps only do I/O and return data; the
 * actor's state is touched by the actor's own admit and record steps, never from here.
 */
export interface ReviewFlowContext {
  step<T>(config: {
    name: string;
    run: (sc: { abortSignal: AbortSignal }) => Promise<T>;
    timeout?: number;
    maxRetries?: number;
    retryBackoffBase?: number;
    retryBackoffMax?: number;
  }): Promise<T>;
}

/** Margin between a step's own timeout (which stops its processes) and the engine's, as in durable-step.ts. */
const ENGINE_TIMEOUT_MARGIN_MS = 30_000;
const WORK_TIMEOUT_GRACE_MS = 5_000;
const GITHUB: StepPolicy = { timeoutMs: 60_000, maxRetries: 5 };

/** One named, recorded step with an explicit time limit and retry policy; the work gets an abort signal. */
function reviewStep<T>(ctx: ReviewFlowContext, name: string, policy: StepPolicy, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return ctx.step({
    name,
    timeout: engineTimeoutWithSlot(policy.timeoutMs + ENGINE_TIMEOUT_MARGIN_MS, policy.slot),
    maxRetries: policy.maxRetries,
    retryBackoffBase: 1_000,
    retryBackoffMax: 30_000,
    run: async (sc) => {
      // A review waiting for a run slot is logged by the slots (a review has no tracking comment); its own time
      // limit starts once the slot is granted.
      const release = await waitForStepSlot(policy.slot, sc.abortSignal);
      try {
        return await work(AbortSignal.any([sc.abortSignal, AbortSignal.timeout(policy.timeoutMs + WORK_TIMEOUT_GRACE_MS)]));
      } finally {
        release();
      }
    },
  });
}

/**
 * The review workflow: it only orders named steps (their I/O lives in src/steps/review-pr). Step names are part
 * of the recorded history: keep them stable. `since` is the last reviewed head (a synchronize), read from the
 * actor's state by the admit step.
 */
export async function reviewPullRequest(ctx: ReviewFlowContext, steps: ReviewSteps, job: PrReviewJob, since: string | null): Promise<ReviewResult> {
  const check = await reviewStep(ctx, "check-pull-request", GITHUB, () => steps.checkPullRequest(job));
  if (check.kind === "skipped") return { status: "skipped", reason: check.reason };
  if (check.kind === "invalid-config") {
    await reviewStep(ctx, "report-invalid-config", GITHUB, () => steps.reportInvalidConfig(job, check.problems));
    return { status: "invalid-config", reason: check.problems.join("; ") };
  }
  const settings = check.settings;
  const plan = await reviewStep(ctx, "fetch-diff", { timeoutMs: 2 * settings.cloneTimeoutMs + GITHUB.timeoutMs, maxRetries: 3 }, () => steps.fetchDiff({ job, settings, since }));
  if (plan.kind === "already-reviewed") return { status: "already-reviewed", reviewId: plan.reviewId, reviewUrl: plan.url };
  if (plan.kind === "superseded") return { status: "superseded", reason: plan.reason };
  if (plan.kind === "nothing") return { status: "nothing-to-review", range: plan.range, reason: plan.reason };

  const reviews: ChunkReview[] = [];
  const slot = stepSlot(steps.deps, job.repo, settings.agentos !== undefined, `${job.repo.owner}/${job.repo.name} PR #${job.pr.number} review`);
  const chunkPolicy = { timeoutMs: settings.reviewTimeoutMs + 2 * settings.cloneTimeoutMs, maxRetries: 1, slot };
  for (const [i, paths] of plan.chunks.entries()) {
    const chunk = i + 1;
    reviews.push(await reviewStep(ctx, `review-chunk#${chunk}`, chunkPolicy, (signal) => steps.reviewChunk({ job, settings, range: plan.range, paths, chunk, chunks: plan.chunks.length, signal })));
  }
  const posted = await reviewStep(ctx, "publish-review", GITHUB, () => steps.publishReview({ job, plan, reviews }));
  await reviewStep(ctx, "report-check-run", GITHUB, () => steps.reportCheck({ job, settings, range: plan.range, reviews, posted }));
  return {
    // Found by its marker at publish time: an earlier attempt of this very step posted it before being cut off.
    status: "reviewed",
    range: plan.range,
    chunks: plan.chunks.length,
    reviewId: posted.reviewId,
    reviewUrl: posted.url,
    inlineComments: posted.inlineComments,
    ...(posted.existed ? { reason: "an interrupted attempt had already posted this review; it was found, not posted again" } : {}),
  };
}
