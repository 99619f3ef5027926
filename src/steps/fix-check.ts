import { checkExternalId, checksNotGranted, upsertCheckRun } from "../github/check-run.js";
import { CHECKS_WRITE } from "../github/octokit.js";
import { fenced } from "../github/quote-text.js";
import type { FixJob, TestSummary } from "../workflow/types.js";
import type { StepDeps } from "./deps.js";

/** The fix run's check run name, on the commit it pushed. */
export const FIX_CHECK_NAME = "fixbot fix";

/**
 * Reports a pushed fix as the check run "fixbot fix" on its commit (the head of its branch): success when the
 * tests passed, failure when they still fail (a draft PR), with the test command and its output's tail. Found by
 * its external id first (`fixbot-fix:<sha>`), so a retried step never adds a second. Without `checks: write`
 * granted, one log line and no check.
 */
export async function reportFixCheck(
  deps: StepDeps,
  params: { job: FixJob; commit: string; tests: TestSummary; pullRequestUrl?: string },
): Promise<{ reported: boolean }> {
  const { job, tests } = params;
  if (!deps.github || job.installationId === undefined) return { reported: false };
  const title = tests.passed ? `Tests pass (${tests.command})` : `Tests still fail (${tests.command})`;
  const summary = [
    `fixbot's run for #${job.issue.number} pushed this commit to \`${job.branch}\`.${params.pullRequestUrl ? ` Pull request: ${params.pullRequestUrl}` : ""}`,
    "",
    `\`${tests.command}\` ${tests.passed ? "passed" : tests.timedOut ? "timed out" : `failed (exit ${tests.exitCode ?? "unknown"})`}. Output (tail):`,
    fenced(tests.outputTail.slice(-20_000)),
  ].join("\n");
  try {
    const { octokit, app } = await deps.github.forInstallation(job.installationId, {
      repository: job.repo.name,
      permissions: CHECKS_WRITE,
    });
    await upsertCheckRun({
      octokit,
      app,
      owner: job.repo.owner,
      repo: job.repo.name,
      headSha: params.commit,
      name: FIX_CHECK_NAME,
      externalId: checkExternalId("fix", params.commit),
      conclusion: tests.passed ? "success" : "failure",
      title,
      summary,
      ...(params.pullRequestUrl ? { detailsUrl: params.pullRequestUrl } : {}),
    });
    return { reported: true };
  } catch (error) {
    if (!checksNotGranted(error)) throw error;
    deps.log.warn({ runId: job.runId, err: error }, "the installation has not granted `checks: write`: no check run for this fix");
    return { reported: false };
  }
}
