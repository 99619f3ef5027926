import { describe, expect, it } from "vitest";
import { commandFromReviewComment, type ReviewCommentPayload } from "../../src/webhooks/review-comment-to-command.js";
import { loadExample } from "../helpers/payloads.js";

function payload(comment: Partial<ReviewCommentPayload["comment"]>, sender = "alice"): ReviewCommentPayload {
  const p = loadExample("pull_request_review_comment", "created");
  p.comment = { ...p.comment, user: { login: sender, type: "User" }, ...comment };
  p.sender = { ...p.sender, login: sender, type: "User" };
  p.installation = { id: 1 };
  return p;
}

const options = { word: "fixbot" };

describe("a slash command in a line comment", () => {
  it("becomes the pull request's command job, with its thread: root comment, file, lines, side, diff hunk", () => {
    const p = payload({
      id: 77,
      body: "/fixbot fix use a Set here",
      path: "src/a.js",
      line: 12,
      start_line: 10,
      side: "RIGHT",
      diff_hunk: "@@ x",
    });
    const decision = commandFromReviewComment(p, "d-1", 5, options);
    expect(decision.ok).toBe(true);
    if (!decision.ok) return;
    expect(decision.job).toMatchObject({
      number: p.pull_request.number,
      isPullRequest: true,
      commentId: 77,
      sender: "alice",
      parsed: { kind: "command", command: { name: "fix", instructions: "use a Set here" } },
      thread: { rootId: 77, path: "src/a.js", line: 12, startLine: 10, side: "RIGHT", diffHunk: "@@ x" },
    });
  });

  it("a reply in a thread names the thread's root; a comment without a line has none", () => {
    const decision = commandFromReviewComment(
      payload({ id: 78, in_reply_to_id: 70, body: "/fixbot ask why?", line: null }),
      "d-2",
      5,
      options,
    );
    expect(decision.ok && decision.job.thread).toMatchObject({ rootId: 70, line: null, startLine: null });
  });

  it("comments without a command, and bots' comments, are dropped", () => {
    expect(commandFromReviewComment(payload({ body: "looks good" }), "d-3", 5, options)).toEqual({ ok: false, reason: "no command" });
    const bot = payload({ body: "/fixbot fix" });
    bot.sender.type = "Bot";
    expect(commandFromReviewComment(bot, "d-4", 5, options).ok).toBe(false);
  });
});
