import type { ApplicationFunctionOptions, Probot } from "probot";
import { handlePullRequestForReview, PULL_REQUEST_REVIEW_EVENTS } from "./webhooks/on-pull-request.js";
import { jobFromLabeledIssue } from "./webhooks/to-job.js";
import type { PrReviewJob } from "./workflow/review-pr/types.js";
import type { FixJob } from "./workflow/types.js";

export interface AppDeps {
  enqueue: (job: FixJob) => Promise<void>;
  /** Enqueues a pull request review (src/actors/enqueue-pr-review.ts); unset: pull_request events are only logged. */
  enqueueReview?: (job: PrReviewJob) => Promise<void>;
  now: () => number;
  /** ALLOWED_OWNERS: installations of other owners are ignored (and logged). Empty: all. */
  allowedOwners?: readonly string[];
  /** Extra HTTP routes (health checks), served next to the webhook endpoint. */
  httpHandler?: Parameters<ApplicationFunctionOptions["addHandler"]>[0];
}

/**
 * The Probot app: wires events to handlers. Handlers only turn a payload into a job and enqueue it; every
 * slow or fallible thing happens in the workflow. An enqueue failure throws, so GitHub records the delivery as
 * failed and it can be redelivered.
 */
export function createApp(deps: AppDeps) {
  return (app: Probot, options?: ApplicationFunctionOptions): void => {
    if (deps.httpHandler) options?.addHandler(deps.httpHandler);
    app.on("issues.labeled", async (context) => {
      const decision = jobFromLabeledIssue(context.payload, context.id, deps.now(), deps.allowedOwners);
      if (!decision.ok) {
        const level = decision.reason.includes("ALLOWED_OWNERS") ? "warn" : "debug";
        context.log[level]({ deliveryId: context.id, reason: decision.reason }, "issues.labeled ignored");
        return;
      }
      await deps.enqueue(decision.job);
      context.log.info({ deliveryId: context.id, runId: decision.job.runId, issue: decision.job.issue.number }, "fix job enqueued");
    });
    app.on([...PULL_REQUEST_REVIEW_EVENTS], handlePullRequestForReview(deps));
  };
}
