import type { ApplicationFunctionOptions, Probot } from "probot";
import type { ConfigCaches } from "./github/config-cache.js";
import { handleConfigPush } from "./intake/config-push.js";
import { handlePullRequestForReview, PULL_REQUEST_REVIEW_EVENTS } from "./webhooks/on-pull-request.js";
import { commandFromComment, type CommandJob } from "./webhooks/comment-to-command.js";
import { DEFAULT_COMMAND_WORD } from "./webhooks/parse-command.js";
import { jobFromLabeledIssue } from "./webhooks/to-job.js";
import type { ForkPolicy } from "./workflow/review-pr/fork-policy.js";
import type { PrReviewJob } from "./workflow/review-pr/types.js";
import type { FixJob } from "./workflow/types.js";

export interface AppDeps {
  enqueue: (job: FixJob) => Promise<void>;
  /** Enqueues a pull request review (src/actors/enqueue-pr-review.ts); unset: pull_request events are only logged. */
  enqueueReview?: (job: PrReviewJob) => Promise<void>;
  /** Enqueues a slash command; unset: comments are ignored. */
  enqueueCommand?: (job: CommandJob) => Promise<void>;
  /** The slash-command word (FIXBOT_COMMAND_WORD). */
  commandWord?: string;
  now: () => number;
  /** ALLOWED_OWNERS: installations of other owners are ignored (and logged). Empty: all. */
  allowedOwners?: readonly string[];
  /** FIXBOT_FORK_REVIEWS: which fork pull requests get the automatic review at most (a repo may narrow it). */
  forkReviews?: ForkPolicy;
  /** The intake's repository-config caches: `push` events that change a config file drop it (src/intake/config-push.ts). */
  configCaches?: ConfigCaches;
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
    if (deps.configCaches) app.on("push", handleConfigPush(deps.configCaches));
    // Only new comments: an edited comment never re-triggers a command.
    app.on("issue_comment.created", async (context) => {
      const decision = commandFromComment(context.payload, context.id, deps.now(), { word: deps.commandWord ?? DEFAULT_COMMAND_WORD, allowedOwners: deps.allowedOwners });
      if (!decision.ok || !deps.enqueueCommand) {
        if (!decision.ok && decision.reason !== "no command") context.log.debug({ deliveryId: context.id, reason: decision.reason }, "issue_comment ignored");
        return;
      }
      await deps.enqueueCommand(decision.job);
      context.log.info({ deliveryId: context.id, number: decision.job.number, command: decision.job.parsed.kind === "command" ? decision.job.parsed.command.name : "invalid" }, "slash command enqueued");
    });
  };
}
