import type { Logger } from "pino";
import type { PrReviewJob } from "../workflow/review-pr/types.js";
import { forkReviewDecision, type ForkPolicy } from "../workflow/review-pr/fork-policy.js";
import { reviewJobFromPullRequest, type PullRequestPayload } from "./pr-to-job.js";
import { logIgnored } from "./log-ignored.js";

/** The `pull_request` events that may start a review (drafts, bots and closed PRs are dropped by the handler). */
export const PULL_REQUEST_REVIEW_EVENTS = [
  "pull_request.opened",
  "pull_request.reopened",
  "pull_request.ready_for_review",
  "pull_request.synchronize",
] as const;

/** What the handler needs from the app's dependencies (AppDeps provides it). */
export interface PullRequestHandlerDeps {
  /** Enqueues on the PR's review actor; without it (a setup that does not run reviews) events are only logged. */
  acceptReview?: (job: PrReviewJob) => Promise<void>;
  now: () => number;
  allowedOwners?: readonly string[];
  /** FIXBOT_FORK_REVIEWS: fork PRs it excludes are dropped here, before any actor runs (default review). */
  forkReviews?: ForkPolicy;
}

/**
 * The `pull_request` handler: payload to job, then into the inbox; nothing slow, so the webhook is answered in
 * milliseconds. An accept failure throws, so GitHub records the delivery as failed and it can be redelivered.
 */
export function handlePullRequestForReview(deps: PullRequestHandlerDeps) {
  return async (context: { id: string; payload: PullRequestPayload; log: Logger }): Promise<void> => {
    const decision = reviewJobFromPullRequest(context.payload, context.id, deps.now(), deps.allowedOwners);
    if (!decision.ok) return logIgnored(context, "pull_request", decision.reason);
    const pr = decision.job.pr;
    const fork = forkReviewDecision({
      fork: pr.fork,
      author: pr.author,
      authorAssociation: pr.authorAssociation,
      policy: deps.forkReviews ?? "review",
      setting: "FIXBOT_FORK_REVIEWS",
    });
    if (!fork.review) {
      context.log.info({ deliveryId: context.id, pr: pr.number, reason: fork.reason }, "pull_request not reviewed");
      return;
    }
    if (!deps.acceptReview) {
      context.log.debug({ deliveryId: context.id }, "pull_request review is not enabled in this process");
      return;
    }
    await deps.acceptReview(decision.job);
    context.log.info(
      { deliveryId: context.id, pr: decision.job.pr.number, head: decision.job.pr.headSha.slice(0, 7) },
      "review job enqueued",
    );
  };
}
