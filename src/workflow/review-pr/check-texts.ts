import type { CheckConclusion, FailOn } from "../../github/check-run.js";
import { inertMarkdown } from "../../github/quote-text.js";

/** The in-progress review check's output while the review agent runs. Pure. */
export function reviewStartedCheckText(headSha: string): { title: string; summary: string } {
  return {
    title: "Reviewing",
    summary: `fixbot is reviewing \`${headSha.slice(0, 7)}\`. This check completes when the review is posted.`,
  };
}

/**
 * The review check when the review could not finish: `neutral` when `pullRequests.failOn` is `never` (the check
 * never blocks), else `failure`; the summary names the failing step, the first line of the error (made inert),
 * and how to retry. Pure.
 */
export function reviewFailedCheckText(params: { failOn: FailOn; step: string; cause: string; line: string }): {
  conclusion: CheckConclusion;
  title: string;
  summary: string;
} {
  const reason = inertMarkdown((params.line.split("\n")[0] ?? "").slice(0, 300));
  return {
    conclusion: params.failOn === "never" ? "neutral" : "failure",
    title: "The review could not finish",
    summary: [
      `The review could not finish: step \`${params.step.replace(/`/g, "'")}\` ${params.cause}: ${reason}`,
      "",
      "Comment `/fixbot review` on the pull request to run the review again.",
      "",
      params.failOn === "never"
        ? "`pullRequests.failOn` is `never`: this check is neutral and does not block the merge."
        : `\`pullRequests.failOn\` is \`${params.failOn}\`: a review that could not finish fails this check.`,
    ].join("\n"),
  };
}
