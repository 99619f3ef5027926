import type { ApplicationFunctionOptions, Probot } from "probot";
import type { ConfigCaches } from "./github/config-cache.js";
import { handleConfigPush } from "./intake/config-push.js";
import { handlePullRequestForReview, PULL_REQUEST_REVIEW_EVENTS } from "./webhooks/on-pull-request.js";
import type { CommandJob } from "./webhooks/comment-to-command.js";
import { handleIssueComment } from "./webhooks/on-issue-comment.js";
import { handleIssueLabeled } from "./webhooks/on-issue-labeled.js";
import { handleReviewComment } from "./webhooks/on-review-comment.js";
import type { ForkPolicy } from "./workflow/review-pr/fork-policy.js";
import type { PrReviewJob } from "./workflow/review-pr/types.js";
import type { FixJob } from "./workflow/types.js";

/**
 * "accept" puts a job into the durable inbox (src/inbox), which answers the webhook once it is recorded and hands
 * the job on to its actor's queue ("enqueue", src/actors/enqueue*.ts) in the background.
 */
export interface AppDeps {
  /** Accepts a fix job (the issue's fix-run actor takes it). */
  acceptFix: (job: FixJob) => Promise<void>;
  /** Accepts a pull request review; unset: pull_request events are only logged. */
  acceptReview?: (job: PrReviewJob) => Promise<void>;
  /** Accepts a slash command; unset: comments are ignored. */
  acceptCommand?: (job: CommandJob) => Promise<void>;
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
 * The Probot app: wires events to handlers, one module per event (src/webhooks/on-*.ts). Handlers only turn a payload into a job and accept it; every
 * slow or fallible thing happens in the workflow. An accept failure throws, so GitHub records the delivery as
 * failed and it can be redelivered.
 */
export function createApp(deps: AppDeps) {
  return (app: Probot, options?: ApplicationFunctionOptions): void => {
    if (deps.httpHandler) options?.addHandler(deps.httpHandler);
    app.on("issues.labeled", handleIssueLabeled(deps));
    app.on([...PULL_REQUEST_REVIEW_EVENTS], handlePullRequestForReview(deps));
    if (deps.configCaches) app.on("push", handleConfigPush(deps.configCaches));
    // Only new comments: an edited comment never re-triggers a command.
    app.on("issue_comment.created", handleIssueComment(deps));
    // The same commands in a line comment of a pull request: answered in its review thread.
    app.on("pull_request_review_comment.created", handleReviewComment(deps));
  };
}
