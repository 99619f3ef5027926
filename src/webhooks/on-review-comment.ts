import type { Logger } from "pino";
import type { CommentHandlerDeps } from "./on-issue-comment.js";
import { DEFAULT_COMMAND_WORD } from "./parse-command.js";
import { commandFromReviewComment, type ReviewCommentPayload } from "./review-comment-to-command.js";

/**
 * The `pull_request_review_comment.created` handler: a slash command in a line comment (a review thread) becomes
 * the same command job as one on the conversation, carrying its thread; then into the inbox. Comments without a
 * command are dropped here; an edited comment never re-triggers one.
 */
export function handleReviewComment(deps: CommentHandlerDeps) {
  return async (context: { id: string; payload: ReviewCommentPayload; log: Logger }): Promise<void> => {
    const decision = commandFromReviewComment(context.payload, context.id, deps.now(), {
      word: deps.commandWord ?? DEFAULT_COMMAND_WORD,
      allowedOwners: deps.allowedOwners,
    });
    if (!decision.ok || !deps.acceptCommand) {
      if (!decision.ok && decision.reason !== "no command")
        context.log.debug({ deliveryId: context.id, reason: decision.reason }, "pull_request_review_comment ignored");
      return;
    }
    await deps.acceptCommand(decision.job);
    const command = decision.job.parsed.kind === "command" ? decision.job.parsed.command.name : "invalid";
    context.log.info(
      { deliveryId: context.id, number: decision.job.number, thread: decision.job.thread?.rootId, command },
      "slash command in a review thread enqueued",
    );
  };
}
