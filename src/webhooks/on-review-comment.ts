import { handleCommandComment, type CommentHandlerDeps } from "./on-issue-comment.js";
import { commandFromReviewComment, type ReviewCommentPayload } from "./review-comment-to-command.js";

/**
 * `pull_request_review_comment.created`: a slash command in a line comment (a review thread) becomes the same
 * command job as one on the conversation, carrying its thread (answers go back into that thread).
 */
export function handleReviewComment(deps: CommentHandlerDeps) {
  return handleCommandComment<ReviewCommentPayload>(deps, "pull_request_review_comment", commandFromReviewComment);
}
