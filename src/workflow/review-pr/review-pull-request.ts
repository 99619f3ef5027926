import type { ReviewSteps } from "../../steps/review-pr/index.js";
import { stepSlot } from "../../limits/step-slot.js";
import type { FlowContext } from "../flow-context.js";
import { GITHUB_CALL as GITHUB } from "../step-policies.js";
import { runStep, type StepHooks, type StepPolicy } from "../step-runner.js";
import { sumReported, type Usage } from "../../agents/usage.js";
import { usedUpText } from "../../spend/windows.js";
import type { ReviewResult } from "./decide.js";
import type { ChunkReview, PrReviewJob } from "./types.js";
import { START_CHECK_STEP } from "./started-check.js";

/**
 * The review workflow: it only orders named steps (their I/O lives in src/steps/review-pr). Step names are part
 * of the recorded history: keep them stable. `since` is the last reviewed head (a synchronize), read from the
 * actor's state by the admit step. `track` gives each step's hooks (the runs index follows the steps through them).
 */
export async function reviewPullRequest<S>(
  ctx: FlowContext<S>,
  steps: ReviewSteps,
  job: PrReviewJob,
  since: string | null,
  track: (name: string) => StepHooks<S, unknown> = () => ({}),
): Promise<ReviewResult> {
  const step = <T>(name: string, policy: StepPolicy, work: (signal: AbortSignal) => Promise<T>) =>
    runStep(ctx, name, policy, work, track(name));
  const check = await step("check-pull-request", GITHUB, () => steps.checkPullRequest(job));
  if (check.kind === "skipped") return { status: "skipped", reason: check.reason };
  if (check.kind === "invalid-config") {
    await step("report-invalid-config", GITHUB, () => steps.reportInvalidConfig(job, check.problems));
    return { status: "invalid-config", reason: check.problems.join("; ") };
  }
  const settings = check.settings;
  const plan = await step("fetch-diff", { timeoutMs: 2 * settings.cloneTimeoutMs + GITHUB.timeoutMs, maxRetries: 3 }, () =>
    steps.fetchDiff({ job, settings, since }),
  );
  if (plan.kind === "already-reviewed") return { status: "already-reviewed", reviewId: plan.reviewId, reviewUrl: plan.url };
  if (plan.kind === "superseded") return { status: "superseded", reason: plan.reason };
  if (plan.kind === "nothing") return { status: "nothing-to-review", range: plan.range, reason: plan.reason };

  const refused = await checkSpend(step, steps, job);
  if (refused) return refused;
  await step(START_CHECK_STEP, GITHUB, () => steps.startCheck({ job, settings }));

  const reviews: ChunkReview[] = [];
  const slot = stepSlot(
    steps.deps,
    job.repo,
    settings.agentos !== undefined,
    `${job.repo.owner}/${job.repo.name} PR #${job.pr.number} review`,
  );
  const chunkPolicy = { timeoutMs: settings.reviewTimeoutMs + 2 * settings.cloneTimeoutMs, maxRetries: 1, slot };
  for (const [i, paths] of plan.chunks.entries()) {
    const chunk = i + 1;
    reviews.push(
      await step(`review-chunk#${chunk}`, chunkPolicy, (signal) =>
        steps.reviewChunk({ job, settings, range: plan.range, paths, chunk, chunks: plan.chunks.length, signal }),
      ),
    );
  }
  const usage = sumReported(reviews.map((r) => r.usage));
  await recordSpend(step, steps, job, usage);
  const posted = await step("publish-review", GITHUB, () => steps.publishReview({ job, plan, reviews }));
  await step("report-check-run", GITHUB, () => steps.reportCheck({ job, settings, range: plan.range, reviews, posted }));
  return {
    // Found by its marker at publish time: an earlier attempt of this very step posted it before being cut off.
    status: "reviewed",
    range: plan.range,
    chunks: plan.chunks.length,
    reviewId: posted.reviewId,
    reviewUrl: posted.url,
    inlineComments: posted.inlineComments,
    ...(usage ? { usage } : {}),
    ...(posted.existed ? { reason: "an interrupted attempt had already posted this review; it was found, not posted again" } : {}),
  };
}

type Step = <T>(name: string, policy: StepPolicy, work: (signal: AbortSignal) => Promise<T>) => Promise<T>;

/** A spend step: a call to the org's spend actor. */
const SPEND: StepPolicy = { timeoutMs: 30_000, maxRetries: 3 };

/**
 * The spend windows before the review chunks (only when the operator set any): a used-up window refuses the
 * review with a comment on the PR naming it and when it resets. The verdict is recorded, so a replay agrees.
 */
async function checkSpend(step: Step, steps: ReviewSteps, job: PrReviewJob): Promise<ReviewResult | undefined> {
  if (!steps.spendCounted()) return undefined;
  const usedUp = await step("check-spend", SPEND, () => steps.checkSpend(job.repo));
  if (!usedUp) return undefined;
  await step("report-spend-refusal", GITHUB, () => steps.reportSpendRefusal(job, usedUp));
  const text = usedUpText({ usedUp, org: job.repo.owner, repo: job.repo.name });
  return { status: "skipped", reason: `not reviewed: ${text.usedUp}; it resets at ${text.resets}` };
}

/** Adds the chunks' summed usage to the spend windows once (keyed by the run, i.e. the delivery). */
async function recordSpend(step: Step, steps: ReviewSteps, job: PrReviewJob, usage: Usage | undefined): Promise<void> {
  if (!usage || !steps.spendCounted()) return;
  await step("record-spend", SPEND, () => steps.recordSpend({ repo: job.repo, key: `review:${job.runId}`, usage }));
}
