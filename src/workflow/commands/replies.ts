import { formatDuration, stepLine } from "../../github/comment-body.js";
import { inertMarkdown } from "../../github/quote-text.js";
import { helpText } from "../../webhooks/parse-command.js";
import type { RunRecord } from "../types.js";

/** Texts fixbot answers slash commands with. Pure. */

export function replyMarker(deliveryId: string): string {
  return `<!-- fixbot:reply delivery=${deliveryId.replace(/[^A-Za-z0-9._:-]/g, "_")} -->`;
}

export function deniedText(params: { sender: string; role: string; word: string }): string {
  return `@${params.sender} \`/${params.word}\` commands can only be used by people with write access to this repository (you have ${params.role}). Ask a maintainer to run it.`;
}

export function helpReply(params: { word: string; reason?: string }): string {
  return [params.reason ? `⚠️ ${params.reason}` : "", helpText(params.word)].filter(Boolean).join("\n\n");
}

/** `/fixbot status`: the current or last run's steps, attempts and timings. */
export function statusText(runs: readonly RunRecord[], now: number): string {
  const shown = runs.filter((r) => r.status !== "ignored");
  const run = shown.at(-1);
  if (!run) return "fixbot has not run here yet.";
  const state =
    run.finishedAt === undefined
      ? `running for ${formatDuration(now - run.startedAt)}`
      : `${run.status}, took ${formatDuration(run.finishedAt - run.startedAt)}`;
  const lines = [
    `**fixbot status** — run \`${run.runId}\` requested by @${run.requestedBy}: ${state}; attempt ${run.attempts} of ${run.maxAttempts || "?"}.`,
    "",
    ...run.steps.map(stepLine),
  ];
  if (run.pullRequest) lines.push("", `Pull request: ${run.pullRequest.url}`);
  if (run.error) lines.push("", `Error: ${inertMarkdown(run.error.message)}`);
  if (shown.length > 1)
    lines.push(
      "",
      `<sub>${shown.length - 1} earlier run(s): ${shown
        .slice(0, -1)
        .map((r) => `${r.status}`)
        .join(", ")}</sub>`,
    );
  return lines.join("\n");
}

/** What `/fixbot retry` does with the last run. Pure. */
export type RetryPlan = { kind: "resume"; run: RunRecord } | { kind: "again"; run: RunRecord } | { kind: "refuse"; reason: string };

export function planRetry(runs: readonly RunRecord[], word = "fixbot"): RetryPlan {
  const run = runs.filter((r) => r.status !== "ignored").at(-1);
  if (!run?.job) return { kind: "refuse", reason: "there is no earlier fixbot run here to retry." };
  if (!run.closed) return { kind: "refuse", reason: `run \`${run.runId}\` is still in progress (\`/${word} cancel\` stops it).` };
  if (run.status === "error" || run.status === "cancelled") return { kind: "resume", run };
  if (run.status === "tests-failing" || run.status === "no-change") return { kind: "again", run };
  return {
    kind: "refuse",
    reason: `the last run (\`${run.runId}\`) ${run.status === "fixed" ? "fixed the issue" : `ended as ${run.status}`}; there is nothing to retry.`,
  };
}

/** The answer to `cancel`: the run being stopped, or that nothing runs. Pure. */
export function cancelReply(cancelled: string | null, word: string): string {
  return cancelled
    ? `🛑 Cancelling run \`${cancelled}\`: its agent and test processes are being stopped. \`/${word} retry\` continues it later.`
    : "Nothing is running here, so there is nothing to cancel.";
}

/** `/fixbot fix` on a fork's pull request: why fixbot cannot, and what works instead. Pure. */
export function forkFixRefusal(headRepoFullName: string | null): string {
  return `fixbot cannot push to this pull request's branch: it lives in a fork (\`${headRepoFullName ?? "deleted"}\`), and fixbot neither runs a fork's code nor holds credentials for it. Open the pull request from a branch of this repository, or label the issue instead.`;
}

/** `/fixbot review` on an issue. Pure. */
export function reviewOnIssueReply(word: string): string {
  return `\`/${word} review\` works on pull requests.`;
}

/** The answer to a `retry` that starts a run: resumed from the failed step, or started again. Pure. */
export function retryReply(plan: Exclude<RetryPlan, { kind: "refuse" }>): string {
  return plan.kind === "resume"
    ? `🔁 Retrying run \`${plan.run.runId}\` from the step that ${plan.run.status === "cancelled" ? "was cancelled" : "failed"}; finished steps are not repeated.`
    : `🔁 The last run ended as ${plan.run.status}; starting it again with fresh agent attempts.`;
}

/**
 * A command that failed after its steps' retries (GitHub or the engine kept failing): what the person sees
 * instead of silence, naming the step and the first line of the error (made inert), and what to do.
 */
export function failedCommandReply(params: { sender: string; command: string; step?: string; error: string; word: string }): string {
  const where = params.step ? ` at \`${params.step}\`` : "";
  const reason = inertMarkdown(params.error.split("\n")[0]!.slice(0, 300));
  return `@${params.sender} \`/${params.word} ${params.command}\` failed${where}: ${reason}\n\nNothing more will happen for this comment. Try the command again; if it keeps failing, the bot's operator can find it in the log by this comment's delivery.`;
}
