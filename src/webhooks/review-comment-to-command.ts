import { cappedThread } from "../workflow/threads/thread-text.js";
import { commandFromComment, type CommandDecision, type IssueCommentPayload } from "./comment-to-command.js";

/** The fields of a `pull_request_review_comment.created` payload fixbot reads. */
export interface ReviewCommentPayload {
  comment: {
    id: number;
    body: string;
    user: { login: string; type?: string } | null;
    path: string;
    line?: number | null;
    start_line?: number | null;
    side?: string | null;
    diff_hunk?: string | null;
    in_reply_to_id?: number | null;
  };
  pull_request: { number: number; title: string; body?: string | null; state?: string };
  repository: IssueCommentPayload["repository"];
  sender: IssueCommentPayload["sender"];
  installation?: { id: number } | null;
}

/**
 * A line comment on a pull request, as a command job: the same rules and the same job as a comment on the pull
 * request's conversation (see commandFromComment), plus where its thread is (root comment, file, lines, diff
 * hunk), so the answer goes into the thread and a fix takes the thread as its context. Pure.
 */
export function commandFromReviewComment(
  payload: ReviewCommentPayload,
  deliveryId: string,
  now: number,
  options: { word: string; allowedOwners?: readonly string[] },
): CommandDecision {
  const { comment, pull_request: pr } = payload;
  const asIssueComment: IssueCommentPayload = {
    comment: { id: comment.id, body: comment.body, user: comment.user },
    issue: { number: pr.number, title: pr.title, body: pr.body, state: pr.state, pull_request: {} },
    repository: payload.repository,
    sender: payload.sender,
    installation: payload.installation,
  };
  const decision = commandFromComment(asIssueComment, deliveryId, now, options);
  if (!decision.ok) return decision;
  const { comments: _none, ...thread } = cappedThread({
    rootId: comment.in_reply_to_id ?? comment.id,
    path: comment.path,
    line: comment.line ?? null,
    startLine: comment.start_line ?? null,
    side: comment.side ?? null,
    diffHunk: comment.diff_hunk ?? "",
    comments: [],
  });
  return { ok: true, job: { ...decision.job, thread } };
}
