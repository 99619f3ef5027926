import type { RunView, StepView, TestSummary, Checkpoint } from "../workflow/types.js";
import { fenced, inertMarkdown } from "./quote-text.js";
import { usageTable } from "./usage-text.js";

/** Hidden marker that finds a run's tracking comment again, so a re-run step edits it instead of posting twice. */
export function trackingMarker(runId: string): string {
  return `<!-- fixbot:tracking run=${sanitizeMarkerValue(runId)} -->`;
}

/**
 * Hidden marker of the pull request review posted for one head sha. Listing the PR's reviews and finding it is
 * what makes publishing idempotent: one review per head sha, across retries and crashes, whether the automatic
 * review or the fix flow's chained review posted it. A review someone asked for (`/fixbot review`) is a fresh
 * one: pass its run id, and its marker names the run too.
 */
export function headReviewMarker(headSha: string, freshRunId?: string): string {
  const head = headSha.replace(/[^0-9a-fA-F]/g, "");
  return freshRunId
    ? `<!-- fixbot:pr-review head=${head} run=${sanitizeMarkerValue(freshRunId)} -->`
    : `<!-- fixbot:pr-review head=${head} -->`;
}

function sanitizeMarkerValue(value: string): string {
  return value.replace(/[^A-Za-z0-9._:-]/g, "_");
}

const STEP_LABELS: Record<string, string> = {
  "check-request": "Check the request and `.github/fixbot.yml`",
  "clone-repo": "Clone the repository",
  "run-agent": "Agent edits the code",
  "run-tests": "Run the tests",
  "commit-change": "Commit the change",
  "push-branch": "Push the branch",
  "open-pull-request": "Open the pull request",
  "review-change": "Second agent reviews the change",
  "publish-review": "Publish the review",
  "report-fix-check": "Report the check run",
  "reply-in-thread": "Reply in the review thread",
};

/** Numbered steps that are not attempts: `reply-in-thread#2` is the second thread. */
const COUNTED_AS: Record<string, string> = { "reply-in-thread": "thread" };

/** `run-agent#2` -> "Agent edits the code (attempt 2)". */
export function stepLabel(name: string): string {
  const [base, attempt] = name.split("#");
  const label = STEP_LABELS[base ?? name] ?? name;
  return attempt ? `${label} (${COUNTED_AS[base ?? name] ?? "attempt"} ${attempt})` : label;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  const total = Math.round(ms / 1000);
  return `${Math.floor(total / 60)} min ${total % 60} s`;
}

export function stepLine(step: StepView): string {
  const box = step.status === "done" ? "[x]" : "[ ]";
  const icon = { pending: "", running: "⏳ ", done: "", failed: "❌ ", skipped: "⏭️ " }[step.status];
  const parts = [stepLabel(step.name)];
  if (step.durationMs !== undefined) parts.push(formatDuration(step.durationMs));
  if (step.starts > 1) parts.push(`started ${step.starts} times`);
  if (step.detail) parts.push(inertMarkdown(step.detail));
  const [label, ...rest] = parts;
  return `- ${box} ${icon}${label}${rest.length ? ` — ${rest.join(" · ")}` : ""}`;
}

function header(view: RunView): string {
  const pr = view.pullRequest ? ` Pull request: #${view.pullRequest.number}.` : "";
  switch (view.status) {
    case "queued":
      return "### ⏳ fixbot: queued";
    case "running":
      return `### ⏳ fixbot is working on this issue (attempt ${Math.max(view.attempts, 1)} of ${view.maxAttempts})`;
    case "fixed":
      return `### ✅ fixbot fixed this issue: the tests pass.${pr}`;
    case "tests-failing":
      return view.pullRequest
        ? `### ❌ fixbot could not make the tests pass after ${view.attempts} attempt(s). Draft pull request: #${view.pullRequest.number}.`
        : `### ❌ fixbot could not make the tests pass after ${view.attempts} attempt(s). No pull request was opened.`;
    case "no-change":
      return "### ⚠️ fixbot's agent made NO change: nothing was committed, pushed or opened.";
    case "error":
      return `### 💥 fixbot stopped with an error${view.error?.step ? ` in \`${view.error.step}\`` : ""}`;
    case "cancelled":
      return `### 🛑 fixbot's run was cancelled by @${view.cancelledBy ?? "someone"}`;
    case "ignored":
      return "### fixbot ignored this request";
  }
}

const fence = fenced;

function testsSection(tests: TestSummary): string {
  const verdict = tests.passed ? "passed" : tests.timedOut ? "timed out" : `failed (exit ${tests.exitCode ?? "?"})`;
  const lines = [`**Tests** \`${tests.command}\` ${verdict} in ${formatDuration(tests.durationMs)}.`];
  if (!tests.passed && tests.outputTail.trim()) {
    lines.push("", "<details open><summary>Output (tail)</summary>", "", fence(tests.outputTail.trimEnd()), "", "</details>");
  }
  return lines.join("\n");
}

/**
 * The tracking comment: a pure function of the run's view. Always starts with the hidden marker so the comment
 * can be found again after a crash.
 */
export function renderTrackingComment(view: RunView & { checkpoint?: Pick<Checkpoint, "attempts" | "reviewUsage"> }): string {
  const out = [trackingMarker(view.runId), header(view), ""];
  if (view.status === "error" && view.error) {
    // The message may carry an agent's or a test's words: shown inert (see quote-text.ts).
    out.push(`**What happened:** ${inertMarkdown(view.error.message)}`);
    if (view.error.hint) out.push("", `**What to do:** ${view.error.hint}`);
    out.push("");
  }
  if (view.status === "cancelled") {
    out.push("Its agent and test processes were stopped. `/fixbot retry` continues from the step that was cancelled.", "");
  }
  if (view.status === "no-change") {
    out.push(
      "The agent ran but left the working tree unchanged. Add detail to the issue (where the bug is, how to reproduce it) or adjust `instructions` in `.github/fixbot.yml`, then label the issue again.",
      "",
    );
  }
  if (view.steps.length) out.push(...view.steps.map(stepLine), "");
  if (view.pullRequest) out.push(`**Pull request:** ${view.pullRequest.url}${view.pullRequest.draft ? " (draft)" : ""}`, "");
  if (view.reviewUrl) out.push(`**Review:** ${view.reviewUrl}`, "");
  if (view.reviewSkipped) out.push(`**Review:** ${view.reviewSkipped}`, "");
  if (view.tests) out.push(testsSection(view.tests), "");
  const usage = usageTable(view.checkpoint?.attempts ?? [], view.checkpoint?.reviewUsage);
  if (usage) out.push(usage, "");
  if (view.agentSummary && view.status !== "running") {
    out.push("<details><summary>Agent summary</summary>", "", fence(view.agentSummary.trim()), "", "</details>", "");
  }
  const total = view.finishedAt ? ` in ${formatDuration(view.finishedAt - view.startedAt)}` : "";
  out.push(`<sub>Requested by @${view.requestedBy} · run \`${view.runId}\` · branch \`${view.branch}\`${total}</sub>`);
  return out.join("\n");
}
