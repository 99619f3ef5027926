import { sumReported } from "../agents/usage.js";
import type { FixJob, RunRecord, RunStatus, StepView } from "../workflow/types.js";
import type { RunStepSummary, RunSummary, RunSummaryStatus, RunUsageSummary } from "./run-summary.js";
import { head, repoWebUrl, tail, TEXT_LIMITS } from "./summary-text.js";

const STATUS: Record<RunStatus, RunSummaryStatus> = {
  queued: "queued",
  running: "running",
  fixed: "succeeded",
  "tests-failing": "failed",
  "no-change": "failed",
  error: "failed",
  cancelled: "cancelled",
  ignored: "skipped",
};

/** A tracking-comment step line as the index shows it (a step a retry took from the run it continues: reused). Pure. */
export function stepSummary(step: StepView): RunStepSummary {
  const reused = step.status === "done" && step.detail?.startsWith("reused from run ") === true;
  return {
    name: step.name,
    status: reused ? "reused" : step.status,
    starts: step.starts,
    ...(step.startedAt !== undefined ? { startedAt: step.startedAt } : {}),
    ...(step.durationMs !== undefined ? { durationMs: step.durationMs } : {}),
  };
}

/**
 * The usage of every agent attempt and of the run's review added up, field by field (a field nobody reported
 * stays unreported, never 0); undefined when none reported any. Pure.
 */
export function runUsage(view: Pick<RunRecord, "checkpoint">): RunUsageSummary | undefined {
  return sumReported([...(view.checkpoint?.attempts ?? []).map((a) => a.usage), view.checkpoint?.reviewUsage]);
}

function fixLinks(job: FixJob, view: RunRecord): RunSummary["links"] {
  const web = repoWebUrl(job.repo);
  const issue = job.target?.url ?? `${web}/issues/${job.issue.number}`;
  return {
    issue,
    ...(view.pullRequest ? { pullRequest: view.pullRequest.url } : {}),
    ...(view.reviewUrl ? { review: view.reviewUrl } : {}),
    ...(view.trackingCommentId !== undefined ? { trackingComment: `${issue}#issuecomment-${view.trackingCommentId}` } : {}),
  };
}

/**
 * A fix run's summary for the runs index, from the job and the run's record as the tracking comment shows it.
 * Undefined for runs the index does not list: local (CLI) runs, which have no installation. Pure.
 */
export function fixRunSummary(job: FixJob, view: RunRecord, now: number): RunSummary | undefined {
  if (job.installationId === undefined) return undefined;
  const lastAttempt = view.checkpoint?.attempts.at(-1);
  const usage = runUsage(view);
  const error = view.error ? [view.error.message, view.error.hint].filter(Boolean).join(" ") : undefined;
  const summary: RunSummary = {
    id: view.runId,
    installationId: job.installationId,
    repo: `${job.repo.owner}/${job.repo.name}`,
    number: job.issue.number,
    kind: "fix",
    status: STATUS[view.status],
    requestedBy: view.requestedBy,
    startedAt: view.startedAt,
    attempts: view.attempts,
    maxAttempts: view.maxAttempts,
    links: fixLinks(job, view),
    steps: view.steps.map(stepSummary),
    updatedAt: now,
  };
  const extra: Partial<RunSummary> = {
    finishedAt: view.finishedAt,
    usage,
    testTail: tail(view.tests?.outputTail ?? lastAttempt?.tests?.outputTail, TEXT_LIMITS.testTail),
    agentSummary: head(view.agentSummary ?? lastAttempt?.summary, TEXT_LIMITS.agentSummary),
    reviewSummary: head(view.review ?? (view.reviewSkipped ? `Review ${view.reviewSkipped}` : undefined), TEXT_LIMITS.reviewSummary),
    error: head(error, TEXT_LIMITS.error),
  };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) Object.assign(summary, { [key]: value });
  return summary;
}
