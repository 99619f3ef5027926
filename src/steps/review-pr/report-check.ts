import { sumReported } from "../../agents/usage.js";
import { usageLine } from "../../github/usage-text.js";
import {
  checkExternalId,
  checksNotGranted,
  countBySeverity,
  findingsTitle,
  reviewConclusion,
  upsertCheckRun,
  type CheckConclusion,
} from "../../github/check-run.js";
import { CHECKS_WRITE } from "../../github/octokit.js";
import { dedupeFindings, type PublishedReview } from "../../github/pull-request-review.js";
import { rangeLine } from "../../workflow/review-pr/review-text.js";
import type { ChunkReview, PrReviewJob, ReviewRange, ReviewSettings } from "../../workflow/review-pr/types.js";
import type { StepDeps } from "../deps.js";

/** The check run's name: what branch protection lists and requires. */
export const REVIEW_CHECK_NAME = "fixbot review";

export type ReportedCheck = { kind: "reported"; checkRunId: number; conclusion: CheckConclusion } | { kind: "not-granted"; reason: string };

/**
 * Reports a posted review as the check run "fixbot review" on the head sha: the findings by severity, a link to
 * the review, and a conclusion by `pullRequests.failOn`. Found by its external id first, so a retry or a
 * re-review of the same head updates the one check run. An installation that has not granted `checks: write`
 * yet gets no check (one log line); the review itself is already posted.
 */
export async function reportReviewCheck(
  deps: StepDeps,
  params: { job: PrReviewJob; settings: ReviewSettings; range: ReviewRange; reviews: ChunkReview[]; posted: PublishedReview },
): Promise<ReportedCheck> {
  const { job, settings } = params;
  const findings = dedupeFindings(params.reviews.flatMap((r) => [...r.inline, ...r.outside]));
  const counts = countBySeverity(findings);
  const failOn = settings.failOn ?? "never";
  const conclusion = reviewConclusion(counts, failOn);
  const usage = usageLine(sumReported(params.reviews.map((r) => r.usage)));
  const summary = [
    `${findingsTitle(counts)}. [The review](${params.posted.url}) has the details.`,
    "",
    rangeLine(params.range),
    "",
    "| severity | findings |",
    "| --- | --- |",
    `| error | ${counts.error} |`,
    `| warning | ${counts.warning} |`,
    `| info | ${counts.info} |`,
    "",
    failOn === "never"
      ? "`pullRequests.failOn` is `never`: this check passes whatever the findings."
      : `\`pullRequests.failOn\` is \`${failOn}\`: a finding of that severity${failOn === "warning" ? " or worse" : ""} fails this check.`,
    ...(usage ? ["", `Review agent usage: ${usage}.`] : []),
  ].join("\n");
  return unlessNotGranted(deps, job, async () => {
    const key = await reviewCheckKey(deps, job);
    const run = await upsertCheckRun({ ...key, conclusion, title: findingsTitle(counts), summary, detailsUrl: params.posted.url });
    return { kind: "reported" as const, checkRunId: run.id, conclusion };
  });
}

/** Where the review's check run lives (the head, its name and external id), with a `checks: write` client. */
export async function reviewCheckKey(deps: StepDeps, job: PrReviewJob) {
  if (!deps.github) throw new Error("reporting a check run needs GitHub access");
  const { octokit, app } = await deps.github.forInstallation(job.installationId, { repository: job.repo.name, permissions: CHECKS_WRITE });
  return {
    octokit,
    app,
    owner: job.repo.owner,
    repo: job.repo.name,
    headSha: job.pr.headSha,
    name: REVIEW_CHECK_NAME,
    externalId: checkExternalId("review", job.pr.headSha),
  };
}

const NOT_GRANTED = "the installation has not granted `checks: write`: no check run (accept the App's new permissions)";

/** `work`'s result, or "not-granted" (one log line) while the installation has not accepted `checks: write`. */
export async function unlessNotGranted<T>(
  deps: StepDeps,
  job: PrReviewJob,
  work: () => Promise<T>,
): Promise<T | { kind: "not-granted"; reason: string }> {
  try {
    return await work();
  } catch (error) {
    if (!checksNotGranted(error)) throw error;
    deps.log.warn({ runId: job.runId, pr: job.pr.number, err: error }, NOT_GRANTED);
    return { kind: "not-granted", reason: NOT_GRANTED };
  }
}
