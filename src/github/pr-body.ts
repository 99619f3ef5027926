import type { TestSummary } from "../workflow/types.js";
import { formatDuration } from "./comment-body.js";
import { fenced } from "./quote-text.js";
import { usageTable, type AttemptUsage } from "./usage-text.js";

/** Title and body of the pull request fixbot opens. Pure. */
export function renderPullRequest(params: {
  issue: { number: number; title: string };
  agentSummary: string;
  files: string[];
  insertions: number;
  deletions: number;
  attempts: number;
  tests: TestSummary;
  runId: string;
  /** Every attempt's reported usage (the table says "not reported" for what a backend did not report). */
  usage?: readonly AttemptUsage[];
}): { title: string; body: string } {
  const { issue, tests } = params;
  const verdict = tests.passed
    ? `✅ \`${tests.command}\` passed (${formatDuration(tests.durationMs)}).`
    : `❌ \`${tests.command}\` still fails after ${params.attempts} attempt(s): this draft needs a human.`;
  const files = params.files.slice(0, 30).map((f) => `- \`${f}\``);
  if (params.files.length > 30) files.push(`- … and ${params.files.length - 30} more`);
  const body = [
    `Fixes #${issue.number}`,
    "",
    "## What changed",
    `${params.files.length} file(s), +${params.insertions}/-${params.deletions}, after ${params.attempts} agent attempt(s).`,
    ...files,
    "",
    "## Tests",
    verdict,
    "",
    ...(params.usage?.length ? ["## Agent usage", usageTable(params.usage).replace(/^\*\*Agent usage\*\*\n\n/, ""), ""] : []),
    "## Agent summary",
    // Quoted: an agent's @mention, closing keyword or image must not become live in fixbot's pull request.
    params.agentSummary.trim() ? fenced(params.agentSummary.trim().slice(0, 4000)) : "(the agent gave no summary)",
    "",
    `<sub>Opened by fixbot · run \`${params.runId}\`</sub>`,
  ].join("\n");
  return { title: `Fix #${issue.number}: ${issue.title.trim()}`.slice(0, 250), body };
}

/** The fix commit's message. Pure and deterministic (part of what makes the commit sha reproducible). */
export function commitMessage(issue: { number: number; title: string }, source: "github" | "local"): string {
  const ref = source === "github" ? ` (#${issue.number})` : "";
  return `fix: ${issue.title.trim().slice(0, 60)}${ref}\n\n${source === "github" ? `Fixes #${issue.number}\n\n` : ""}Made by fixbot.`;
}
