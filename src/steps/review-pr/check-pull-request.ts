import { selectAgent } from "../../agents/selection.js";
import { parseReviewConfig } from "../../config/review-config.js";
import { orgConfigClient } from "../../github/org-config-client.js";
import { loadRepoConfigOrProblem } from "../../github/repo-config.js";
import { pullRequestNowRule, reviewSettingsRule } from "../../workflow/request-rules.js";
import { invalidConfigComment, PR_CONFIG_MARKER } from "../../workflow/review-pr/review-text.js";
import type { PrReviewJob, PullRequestCheck } from "../../workflow/review-pr/types.js";
import type { StepDeps } from "../deps.js";
import { installationFor, upsertPrComment } from "./pr-workspace.js";

/**
 * Reads `.github/fixbot.yml` over the org defaults (from the default branch: a pull request cannot change the
 * review command that reviews it) and applies the skip rules: review turned off, an ignored author, no review
 * command. Then asks GitHub for the PR as it is now, because the webhook may be minutes old: a PR closed, turned
 * into a draft or pushed to since then is not reviewed at this head.
 */
export async function checkPullRequest(deps: StepDeps, job: PrReviewJob): Promise<PullRequestCheck> {
  const { octokit } = await installationFor(deps, job);
  const owner = job.repo.owner;
  const repo = job.repo.name;
  const loaded = await loadRepoConfigOrProblem(octokit, owner, repo, orgConfigClient(deps.github!, job.installationId));
  if (!loaded.ok) return { kind: "invalid-config", problems: loaded.problems };
  const raw = loaded.raw;
  const parsed = parseReviewConfig(raw);
  if (!parsed.ok) return { kind: "invalid-config", problems: parsed.problems };
  const { repo: config, pullRequests } = parsed.config;
  const reviewer = selectAgent(config.review, "review");
  const skip = reviewSettingsRule(job, pullRequests, reviewer !== undefined);
  if (skip || !reviewer) return { kind: "skipped", reason: skip ?? "no reviewer" };

  const { data: pr } = await octokit.rest.pulls.get({ owner, repo, pull_number: job.pr.number });
  const stale = pullRequestNowRule(job, { state: pr.state, draft: pr.draft, headSha: pr.head.sha });
  if (stale) return { kind: "skipped", reason: stale };
  return {
    kind: "run",
    settings: {
      reviewCommand: reviewer.backend === "command" ? reviewer.command : "",
      passEnv: reviewer.backend === "command" ? [...reviewer.passEnv] : [],
      ...(reviewer.backend === "agentos" ? { agentos: reviewer.model ? { model: reviewer.model } : {} } : {}),
      cloneTimeoutMs: config.timeouts.clone * 1000,
      reviewTimeoutMs: config.timeouts.review * 1000,
      ignorePaths: pullRequests.ignorePaths,
      maxChunkBytes: pullRequests.maxChunkBytes,
      maxChunks: pullRequests.maxChunks,
      failOn: pullRequests.failOn,
    },
  };
}

/** Reports an invalid config on the PR: one comment, found again by its marker and edited in place. */
export async function reportInvalidConfig(deps: StepDeps, job: PrReviewJob, problems: string[]): Promise<{ url: string }> {
  return upsertPrComment(deps, job, PR_CONFIG_MARKER, invalidConfigComment(problems));
}
