import { selectAgent } from "../../agents/selection.js";
import { parseReviewConfig } from "../../config/review-config.js";
import { upsertMarkedComment } from "../../github/marked-comment.js";
import { loadRepoConfigOrProblem } from "../../github/repo-config.js";
import { reviewSkipReason } from "../../config/request-rules.js";
import { invalidConfigComment, PR_CONFIG_MARKER } from "../../workflow/review-pr/review-text.js";
import type { PrReviewJob, PullRequestCheck } from "../../workflow/review-pr/types.js";
import type { StepDeps } from "../deps.js";
import { installationFor } from "./pr-workspace.js";

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
  const loaded = await loadRepoConfigOrProblem(octokit, owner, repo);
  if (!loaded.ok) return { kind: "invalid-config", problems: loaded.problems };
  const raw = loaded.raw;
  const parsed = parseReviewConfig(raw);
  if (!parsed.ok) return { kind: "invalid-config", problems: parsed.problems };
  const { repo: config, pullRequests } = parsed.config;
  const skip = reviewSkipReason(parsed.config, job.pr, job.requestedBy);
  if (skip) return { kind: "skipped", reason: skip };
  const reviewer = selectAgent(config.review, "review");
  if (!reviewer) return { kind: "skipped", reason: "no review.command, review.preset or review.backend is configured" };

  const { data: pr } = await octokit.rest.pulls.get({ owner, repo, pull_number: job.pr.number });
  if (pr.state !== "open") return { kind: "skipped", reason: `pull request #${job.pr.number} is ${pr.state}` };
  if (pr.draft) return { kind: "skipped", reason: `pull request #${job.pr.number} is a draft` };
  if (pr.head.sha !== job.pr.headSha) {
    return { kind: "skipped", reason: `head moved on from ${job.pr.headSha.slice(0, 7)} to ${pr.head.sha.slice(0, 7)}; that push is reviewed by its own event` };
  }
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
    },
  };
}

/** Reports an invalid config on the PR: one comment, found again by its marker and edited in place. */
export async function reportInvalidConfig(deps: StepDeps, job: PrReviewJob, problems: string[]): Promise<{ url: string }> {
  const { octokit, app } = await installationFor(deps, job);
  const { url } = await upsertMarkedComment({
    octokit,
    app,
    owner: job.repo.owner,
    repo: job.repo.name,
    issueNumber: job.pr.number,
    marker: PR_CONFIG_MARKER,
    body: invalidConfigComment(problems),
  });
  return { url };
}
