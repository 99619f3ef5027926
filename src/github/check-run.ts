import type { AppIdentity } from "./app-authored.js";
import type { FixbotOctokit } from "./octokit.js";
import type { Finding } from "./review-findings.js";
import { truncateBody } from "./review-findings.js";

/**
 * fixbot's reviews and fix runs as GitHub check runs, so branch protection can require them. One check run per
 * (kind, head sha), found again by its `external_id` among the App's own check runs: a re-run of the step (retry,
 * crash) or a re-review of the same head updates that check run instead of adding a second one.
 */

/** `pullRequests.failOn`: the least severe finding that fails the review's check (`never`: it always passes). */
export const FAIL_ON = ["error", "warning", "never"] as const;
export type FailOn = (typeof FAIL_ON)[number];

export type CheckConclusion = "success" | "failure" | "neutral";

export interface SeverityCounts {
  error: number;
  warning: number;
  info: number;
}

/** Findings counted by severity; a finding without one counts as `info`. Pure. */
export function countBySeverity(findings: Pick<Finding, "severity">[]): SeverityCounts {
  const counts: SeverityCounts = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity ?? "info"]++;
  return counts;
}

/** The review check's conclusion under `failOn`. Pure. */
export function reviewConclusion(counts: SeverityCounts, failOn: FailOn): CheckConclusion {
  if (failOn === "error") return counts.error > 0 ? "failure" : "success";
  if (failOn === "warning") return counts.error + counts.warning > 0 ? "failure" : "success";
  return "success";
}

/** "2 findings: 1 error, 1 warning" (or "no findings"). Pure. */
export function findingsTitle(counts: SeverityCounts): string {
  const total = counts.error + counts.warning + counts.info;
  if (total === 0) return "No findings";
  const parts = (["error", "warning", "info"] as const)
    .filter((k) => counts[k] > 0)
    .map((k) => `${counts[k]} ${k}${counts[k] === 1 || k === "info" ? "" : "s"}`);
  return `${total} finding${total === 1 ? "" : "s"}: ${parts.join(", ")}`;
}

/** The external id of a review's check run on one head; a fix run's is `fixbot-fix:<sha>`. */
export function checkExternalId(kind: "review" | "fix", headSha: string): string {
  return `fixbot-${kind}:${headSha}`;
}

/** GitHub caps a check run's output summary and text at 65,535 characters. */
const OUTPUT_LIMIT = 65_535;

/** A check run's output within GitHub's limits (title 255 characters, summary 65,535). Pure. */
export function checkOutput(title: string, summary: string): { title: string; summary: string } {
  return { title: title.slice(0, 255), summary: truncateBody(summary, OUTPUT_LIMIT) };
}

export interface CheckRunParams {
  octokit: FixbotOctokit;
  app: AppIdentity;
  owner: string;
  repo: string;
  headSha: string;
  name: string;
  externalId: string;
  conclusion: CheckConclusion;
  title: string;
  summary: string;
  detailsUrl?: string;
}

/** Which check run: the App's own one with this name and external id on the head sha. */
export type CheckRunKey = Omit<CheckRunParams, "conclusion" | "title" | "summary" | "detailsUrl">;

/** Finds the App's check run with this external id on the head sha. */
export async function findCheckRun(params: CheckRunKey): Promise<number | undefined> {
  return (await findCheckRunStatus(params))?.id;
}

/** The App's check run with this external id on the head sha, with its status (`queued`, `in_progress`, `completed`). */
export async function findCheckRunStatus(params: CheckRunKey): Promise<{ id: number; status: string } | undefined> {
  const { octokit, owner, repo, headSha, name } = params;
  for await (const page of octokit.paginate.iterator(octokit.rest.checks.listForRef, {
    owner,
    repo,
    ref: headSha,
    check_name: name,
    filter: "all",
    per_page: 100,
  })) {
    // Anyone's App can name a check run "fixbot review": only the App's own count.
    const found = page.data.find((run) => run.external_id === params.externalId && run.app?.id === params.app.appId);
    if (found) return { id: found.id, status: found.status };
  }
  return undefined;
}

/** Found-or-created, then completed with the conclusion and output. */
export async function upsertCheckRun(params: CheckRunParams): Promise<{ id: number; url: string; existed: boolean }> {
  const { octokit, owner, repo } = params;
  const fields = {
    status: "completed" as const,
    conclusion: params.conclusion,
    completed_at: new Date().toISOString(),
    output: checkOutput(params.title, params.summary),
    ...(params.detailsUrl ? { details_url: params.detailsUrl } : {}),
  };
  const id = await findCheckRun(params);
  if (id !== undefined) {
    const { data } = await octokit.rest.checks.update({ owner, repo, check_run_id: id, ...fields });
    return { id: data.id, url: data.html_url ?? "", existed: true };
  }
  // No blind retry of the POST (a lost answer would create a second check run); the step retries and finds it.
  const { data } = await octokit.rest.checks.create({
    owner,
    repo,
    name: params.name,
    head_sha: params.headSha,
    external_id: params.externalId,
    ...fields,
    request: { retries: 0 },
  });
  return { id: data.id, url: data.html_url ?? "", existed: false };
}

/**
 * True when GitHub refuses the check run because the installation has not granted `checks: write` yet (an App
 * updated to ask for it waits for each owner's approval): the review is still posted, the check is left out.
 */
export function checksNotGranted(error: unknown): boolean {
  const status = typeof error === "object" && error !== null ? (error as { status?: number }).status : undefined;
  return status === 403 || (status === 422 && /permission/i.test(String((error as { message?: string }).message ?? "")));
}
