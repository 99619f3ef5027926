import { checkOutput, findCheckRunStatus, type CheckConclusion, type CheckRunKey } from "./check-run.js";

/**
 * A check run while its work runs: created `in_progress` before the work starts (so branch protection shows it
 * running instead of "Expected — waiting"), and completed by the work's report, or by the failure report when the
 * work could not finish. Each finds the check run by its external id first, so a retried step never adds a second.
 */

/**
 * Found, or created `in_progress`. A found one is left as it is: a retry finds its own in-progress run, and a
 * re-review of a head keeps the earlier result showing until the new one completes it.
 */
export async function startCheckRun(
  params: CheckRunKey & { title: string; summary: string },
): Promise<{ id: number; status: string; existed: boolean }> {
  const { octokit, owner, repo } = params;
  const found = await findCheckRunStatus(params);
  if (found) return { ...found, existed: true };
  // No blind retry of the POST (a lost answer would create a second check run); the step retries and finds it.
  const { data } = await octokit.rest.checks.create({
    owner,
    repo,
    name: params.name,
    head_sha: params.headSha,
    external_id: params.externalId,
    status: "in_progress",
    started_at: new Date().toISOString(),
    output: checkOutput(params.title, params.summary),
    request: { retries: 0 },
  });
  return { id: data.id, status: data.status, existed: false };
}

/**
 * Completes the check run if it is still open (a completed one already carries a real result and is left alone).
 * Returns the check run's id when it was completed here.
 */
export async function completeOpenCheckRun(
  params: CheckRunKey & { conclusion: CheckConclusion; title: string; summary: string },
): Promise<number | undefined> {
  const { octokit, owner, repo } = params;
  const found = await findCheckRunStatus(params);
  if (!found || found.status === "completed") return undefined;
  await octokit.rest.checks.update({
    owner,
    repo,
    check_run_id: found.id,
    status: "completed",
    conclusion: params.conclusion,
    completed_at: new Date().toISOString(),
    output: checkOutput(params.title, params.summary),
  });
  return found.id;
}
