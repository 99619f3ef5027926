import type { PullRequestsConfig } from "../config/pull-requests.schema.js";
import { hasAccess } from "../github/permission.js";
import { forkReviewDecision } from "./review-pr/fork-policy.js";
import type { PrReviewJob } from "./review-pr/types.js";

/**
 * Who and what may start a run: the rules the check steps apply, as pure functions. Each returns why a request
 * is not run, or undefined when it is.
 */

/** A labelled issue runs only for the configured label. */
export function labelRule(label: string | undefined, configured: string): string | undefined {
  if (label === undefined || label === configured) return undefined;
  return `label "${label}" is not the configured label "${configured}"`;
}

/** Labelling for fixbot needs triage access or more (GitHub's role name wins over the legacy permission). */
export function labelAccessRule(sender: string, access: { roleName?: string; permission: string }): string | undefined {
  if (hasAccess(access, "triage")) return undefined;
  return `@${sender} has ${access.roleName ?? access.permission} access; labelling for fixbot needs triage or more`;
}

/**
 * The repository's own rules for an automatic review: review turned off, an ignored author, its fork policy (a
 * maintainer's explicit `/fixbot review` is not held back by it), a reviewer configured.
 */
export function reviewSettingsRule(
  job: Pick<PrReviewJob, "pr" | "requestedBy">,
  pullRequests: PullRequestsConfig,
  hasReviewer: boolean,
): string | undefined {
  if (!pullRequests.autoReview) return "pullRequests.autoReview is off";
  const author = job.pr.author.toLowerCase();
  if (pullRequests.ignoreAuthors.some((login) => login.toLowerCase() === author))
    return `@${job.pr.author} is in pullRequests.ignoreAuthors`;
  const fork = forkReviewDecision({
    fork: job.pr.fork,
    author: job.pr.author,
    authorAssociation: job.pr.authorAssociation,
    policy: pullRequests.forks,
    setting: "pullRequests.forks",
  });
  if (!fork.review && !job.requestedBy) return fork.reason;
  if (!hasReviewer) return "no review.command, review.preset or review.backend is configured";
  return undefined;
}

/** The pull request as GitHub has it now: a PR closed, turned into a draft or pushed to since is not reviewed. */
export function pullRequestNowRule(
  job: Pick<PrReviewJob, "pr">,
  now: { state: string; draft?: boolean; headSha: string },
): string | undefined {
  if (now.state !== "open") return `pull request #${job.pr.number} is ${now.state}`;
  if (now.draft) return `pull request #${job.pr.number} is a draft`;
  if (now.headSha !== job.pr.headSha)
    return `head moved on from ${job.pr.headSha.slice(0, 7)} to ${now.headSha.slice(0, 7)}; that push is reviewed by its own event`;
  return undefined;
}
