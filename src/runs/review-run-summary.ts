import type { PrReviewJob, PrReviewRun, PrReviewStatus } from "../workflow/review-pr/types.js";
import { stepSummary } from "./fix-run-summary.js";
import type { RunSummary, RunSummaryStatus } from "./run-summary.js";
import { head, repoWebUrl, TEXT_LIMITS } from "./summary-text.js";

const STATUS: Record<PrReviewStatus, RunSummaryStatus> = {
  running: "running",
  reviewed: "succeeded",
  "already-reviewed": "succeeded",
  "nothing-to-review": "succeeded",
  skipped: "skipped",
  superseded: "skipped",
  "invalid-config": "failed",
  error: "failed",
};

/** One line on what the review did (or why it did not): the run's review text in the index. Pure. */
export function reviewLine(run: PrReviewRun): string | undefined {
  if (run.status === "reviewed" && run.range) {
    const range = `${run.range.from.slice(0, 7)}..${run.range.to.slice(0, 7)}`;
    const what = `Reviewed ${run.range.mode === "incremental" ? "the commits" : "the pull request"} ${range}`;
    return `${what}: ${run.chunks ?? 0} chunk(s), ${run.inlineComments ?? 0} inline comment(s).${run.reason ? ` ${run.reason}` : ""}`;
  }
  return run.status === "running" || run.status === "error" || run.status === "invalid-config" ? undefined : run.reason;
}

/** A pull request review run's summary for the runs index, from its job and the run as the PR actor keeps it. Pure. */
export function reviewRunSummary(job: PrReviewJob, run: PrReviewRun, now: number): RunSummary {
  const pull = `${repoWebUrl(job.repo)}/pull/${job.pr.number}`;
  const error = run.status === "invalid-config" ? `invalid .github/fixbot.yml: ${run.reason ?? ""}` : run.error;
  const summary: RunSummary = {
    id: run.runId,
    installationId: job.installationId,
    repo: `${job.repo.owner}/${job.repo.name}`,
    number: job.pr.number,
    kind: "review",
    status: STATUS[run.status],
    requestedBy: run.requestedBy ?? job.requestedBy ?? job.pr.author,
    startedAt: run.startedAt,
    attempts: 1,
    links: { issue: pull, pullRequest: pull, ...(run.reviewUrl ? { review: run.reviewUrl } : {}) },
    steps: (run.steps ?? []).map(stepSummary),
    updatedAt: now,
  };
  const extra: Partial<RunSummary> = {
    finishedAt: run.finishedAt,
    usage: run.usage,
    reviewSummary: head(reviewLine(run), TEXT_LIMITS.reviewSummary),
    error: head(error, TEXT_LIMITS.error),
  };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) Object.assign(summary, { [key]: value });
  return summary;
}
