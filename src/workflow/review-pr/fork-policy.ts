import { z } from "zod";

/**
 * Which pull requests from forks get the automatic review. Every push to a fork PR starts a review (an agent
 * run paid by the operator), and on a public repository anyone can open one: this bounds that cost.
 * - `review`: every fork PR is reviewed (GitHub's own default for bots).
 * - `skip-first-time`: fork PRs by first-time contributors (author_association FIRST_TIME_CONTRIBUTOR,
 *   FIRST_TIMER or NONE) are not reviewed automatically; a maintainer can still ask with `/fixbot review`.
 * - `skip`: no fork PR is reviewed automatically.
 * Pull requests from branches of the repository itself are not affected.
 */
export const FORK_POLICIES = ["review", "skip-first-time", "skip"] as const;
export const ForkPolicySchema = z.enum(FORK_POLICIES);
export type ForkPolicy = z.infer<typeof ForkPolicySchema>;

/** GitHub's author_association values of someone who has not contributed to the repository before. */
const FIRST_TIME = new Set(["FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER", "NONE"]);

/**
 * The stricter of two policies: the operator's setting caps the repository's, which may only narrow it. Pure.
 */
export function narrowerForkPolicy(a: ForkPolicy, b: ForkPolicy): ForkPolicy {
  return FORK_POLICIES.indexOf(a) >= FORK_POLICIES.indexOf(b) ? a : b;
}

export type ForkReviewDecision = { review: true } | { review: false; reason: string };

/**
 * Does the automatic review run for this pull request under `policy`? Pure. A fork PR whose author_association
 * is unknown counts as first-time: the cheap answer when unsure.
 */
export function forkReviewDecision(params: {
  fork: boolean;
  author: string;
  authorAssociation?: string;
  policy: ForkPolicy;
  setting: string;
}): ForkReviewDecision {
  if (!params.fork || params.policy === "review") return { review: true };
  if (params.policy === "skip")
    return { review: false, reason: `pull requests from forks are not reviewed automatically (${params.setting}: skip)` };
  const association = params.authorAssociation?.toUpperCase();
  if (association === undefined || FIRST_TIME.has(association)) {
    return {
      review: false,
      reason: `@${params.author} is a first-time contributor (${association ?? "unknown"}) on a fork (${params.setting}: skip-first-time)`,
    };
  }
  return { review: true };
}
