import { selectAgent } from "../agents/selection.js";
import { forkReviewDecision } from "../workflow/review-pr/fork-policy.js";
import type { RepoConfig } from "./repo.schema.js";
import type { ReviewConfig } from "./review-config.js";

/**
 * The rules of `.github/fixbot.yml` that decide whether a request is the repository's business at all. One
 * copy, used by the workflow's checks (src/steps/check-request.ts, src/steps/review-pr/check-pull-request.ts)
 * and by the intake's relevance filter (src/intake/relevance.ts), so both always agree. Pure.
 */

/** Why a labelled issue is not a fix request under this config (undefined: it is one). */
export function labelSkipReason(config: Pick<RepoConfig, "label">, label: string | undefined): string | undefined {
  if (label === undefined || label === config.label) return undefined;
  return `label "${label}" is not the configured label "${config.label}"`;
}

/** The pull request facts the config rules look at. */
export interface ReviewedPullRequest {
  author: string;
  fork: boolean;
  authorAssociation?: string;
}

/**
 * Why the repository's config skips the automatic review of this pull request (undefined: it is reviewed):
 * review turned off, an ignored author, a fork the repository's policy leaves out (unless a maintainer asked,
 * `requestedBy`), no review agent configured.
 */
export function reviewSkipReason(config: ReviewConfig, pr: ReviewedPullRequest, requestedBy?: string): string | undefined {
  const { pullRequests } = config;
  if (!pullRequests.autoReview) return "pullRequests.autoReview is off";
  const author = pr.author.toLowerCase();
  if (pullRequests.ignoreAuthors.some((login) => login.toLowerCase() === author)) return `@${pr.author} is in pullRequests.ignoreAuthors`;
  // The operator's cap was applied at intake; here the repository's own (narrower or equal) choice. A maintainer's
  // explicit `/fixbot review` is not an automatic review and is not held back.
  const fork = forkReviewDecision({ fork: pr.fork, author: pr.author, authorAssociation: pr.authorAssociation, policy: pullRequests.forks, setting: "pullRequests.forks" });
  if (!fork.review && !requestedBy) return fork.reason;
  if (!selectAgent(config.repo.review, "review")) return "no review.command, review.preset or review.backend is configured";
  return undefined;
}
