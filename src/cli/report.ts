import { formatDuration, stepLabel } from "../github/comment-body.js";
import type { RunOutcome, RunView } from "../workflow/types.js";

/** One progress line per step change, for stderr. Pure. */
export function progressLines(view: RunView, printed: Set<string>): string[] {
  const lines: string[] = [];
  for (const step of view.steps) {
    const key = `${step.name}:${step.status}:${step.starts}`;
    if (printed.has(key) || step.status === "pending") continue;
    printed.add(key);
    const took = step.durationMs !== undefined ? ` (${formatDuration(step.durationMs)})` : "";
    const restarts = step.starts > 1 ? ` (started ${step.starts} times)` : "";
    const detail = `${restarts}${step.detail ? ` — ${step.detail}` : ""}`;
    const mark = { running: "…", done: "✓", failed: "✗", skipped: "-", pending: " " }[step.status];
    lines.push(`${mark} ${stepLabel(step.name)}${took}${detail}`);
  }
  return lines;
}

const HEADLINES: Record<RunOutcome["status"], string> = {
  fixed: "Fixed: the tests pass.",
  "tests-failing": "Not fixed: the tests still fail.",
  "no-change": "Not fixed: the agent made NO change.",
  error: "Error.",
  cancelled: "Cancelled.",
  ignored: "Ignored.",
  running: "Still running.",
  queued: "Queued.",
};

/** The human summary printed at the end of a CLI run. Pure. */
export function summaryText(outcome: RunOutcome): string {
  const lines = [HEADLINES[outcome.status]];
  if (outcome.error) lines.push(outcome.error);
  lines.push(`Attempts: ${outcome.attempts}`);
  if (outcome.tests) lines.push(`Tests: \`${outcome.tests.command}\` ${outcome.tests.passed ? "passed" : "failed"}`);
  if (outcome.tests && !outcome.tests.passed && outcome.tests.outputTail)
    lines.push("", outcome.tests.outputTail.trimEnd().split("\n").slice(-20).join("\n"), "");
  if (outcome.commit) lines.push(`Branch: ${outcome.branch} at ${outcome.commit.slice(0, 12)}`);
  if (outcome.workspace) lines.push(`Workspace: ${outcome.workspace}`);
  if (outcome.commit && outcome.workspace) lines.push(`See it: git -C ${outcome.workspace} show ${outcome.branch}`);
  if (outcome.review) lines.push("", "Review:", outcome.review);
  return lines.join("\n");
}

/** 0 fixed with tests passing, 1 anything else. */
export function exitCodeFor(outcome: RunOutcome): number {
  return outcome.status === "fixed" && outcome.tests?.passed ? 0 : 1;
}
