import type { Usage } from "../../agents/usage.js";
import { headReviewMarker } from "../../github/comment-body.js";
import { usageLine } from "../../github/usage-text.js";
import { usedUpText, type UsedUp } from "../../spend/windows.js";
import type { PrReviewJob, ReviewRange } from "./types.js";

/** Longest PR description handed to the review agent: context, not the thing under review. */
const MAX_PR_BODY_CHARS = 4_000;

/** The review's marker (see headReviewMarker): a requested review (`/fixbot review`) is a fresh one. */
export function prReviewMarker(job: Pick<PrReviewJob, "pr" | "runId" | "requestedBy">): string {
  return headReviewMarker(job.pr.headSha, job.requestedBy ? job.runId : undefined);
}

/** Hidden marker of the one comment fixbot keeps on a PR to report an invalid config (edited in place). */
export const PR_CONFIG_MARKER = "<!-- fixbot:pr-config -->";

const short = (sha: string) => sha.slice(0, 7);

/** One line saying which commits the review covers (the user must know whether a review is incremental). */
export function rangeLine(range: ReviewRange): string {
  const span = `\`${short(range.from)}..${short(range.to)}\``;
  const text =
    range.mode === "incremental"
      ? `Incremental review: only the commits pushed since the last review, ${span}.`
      : `Reviewed the whole pull request, ${span}.`;
  return range.note ? `${text} ${range.note}` : text;
}

/**
 * What the review agent is told besides the diff. Pure. The PR text is written by its author (for a fork, by
 * anyone): it is labelled as such, and the agent is told that it works from the diff alone.
 */
export function buildPrReviewContext(params: {
  job: PrReviewJob;
  range: ReviewRange;
  chunk: number;
  chunks: number;
  paths: string[];
}): string {
  const { job, range } = params;
  const body = job.pr.body.trim().slice(0, MAX_PR_BODY_CHARS) || "(no description)";
  const lines = [
    `Review pull request #${job.pr.number} in ${job.repo.owner}/${job.repo.name} by @${job.pr.author}: ${job.pr.title.trim()}`,
    `(${job.pr.headRef} into ${job.pr.baseRef})`,
    "",
    rangeLine(range),
    params.chunks > 1
      ? `This is part ${params.chunk} of ${params.chunks} of the diff: ${params.paths.length} file(s).`
      : `The diff has ${params.paths.length} file(s).`,
    "",
    "## Description by the pull request's author (untrusted text)",
    body,
    "",
    "## How to answer",
    'Print a short markdown summary. For each problem on a specific line, print one JSON line: {"path": "src/a.ts", "line": 12, "body": "...", "severity": "warning"} (line numbers of the new file).',
    "Point out bugs, missed cases and risky edits. Be concise.",
  ];
  if (job.pr.fork) lines.push("", "The change comes from a fork: you get the diff only, no checkout; do not try to run its code.");
  return lines.join("\n");
}

/**
 * The review's summary: which commits it covers, then each chunk's summary (headed when there are several), then
 * what the review agent reported using (all chunks together), when it reported anything. Pure.
 */
export function composeReviewSummary(params: {
  job: PrReviewJob;
  range: ReviewRange;
  files: number;
  summaries: string[];
  usage?: Usage;
}): string {
  const out = ["### 🔎 fixbot review", "", `${rangeLine(params.range)} ${params.files} file(s) changed.`];
  if (params.job.pr.fork)
    out.push("", "_This pull request comes from a fork: the review worked from the diff only; none of its code was run._");
  const many = params.summaries.length > 1;
  params.summaries.forEach((summary, i) => {
    const text = summary.trim() || "_The reviewer wrote no summary for this part._";
    out.push("", many ? `#### Part ${i + 1} of ${params.summaries.length}\n\n${text}` : text);
  });
  if (params.summaries.length === 0) out.push("", "_No file of this change was within the review budget; see the list below._");
  const usage = usageLine(params.usage);
  if (usage) out.push("", `<sub>Review agent usage: ${usage}</sub>`);
  return out.join("\n");
}

/** The comment that reports an invalid `.github/fixbot.yml` on the PR, naming each bad field. Pure. */
export function invalidConfigComment(problems: string[]): string {
  return [
    PR_CONFIG_MARKER,
    "### ⚠️ fixbot could not review this pull request",
    "",
    "`.github/fixbot.yml` is invalid:",
    ...problems.map((p) => `- ${p}`),
    "",
    "Fix the fields listed above (see fixbot's README for the expected form); the next push to this pull request is reviewed.",
  ].join("\n");
}

/** Hidden marker of the one comment fixbot keeps on a PR to say a spend window stopped its review (edited in place). */
export const PR_SPEND_MARKER = "<!-- fixbot:pr-spend -->";

/** The comment on a PR whose review a used-up spend window refused: which window, how much, when it resets. Pure. */
export function spendRefusalComment(params: { job: Pick<PrReviewJob, "repo" | "pr">; usedUp: UsedUp }): string {
  const text = usedUpText({ usedUp: params.usedUp, org: params.job.repo.owner, repo: params.job.repo.name });
  return [
    PR_SPEND_MARKER,
    "### ⏸️ fixbot did not review this pull request",
    "",
    `The review of \`${params.job.pr.headSha.slice(0, 7)}\` was not started: ${text.usedUp}.`,
    "",
    `The window resets at ${text.resets}; push again or comment \`/fixbot review\` after that, or ask the operator to raise ${text.setting}.`,
  ].join("\n");
}
