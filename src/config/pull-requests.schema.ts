import { z } from "zod";
import { FAIL_ON } from "../github/check-run.js";
import { ForkPolicySchema } from "../workflow/review-pr/fork-policy.js";

/**
 * `pullRequests:` in `.github/fixbot.yml`: automatic review of pull requests. Its own schema (and file) so the
 * review feature can evolve without touching the fix workflow's settings; the review agent itself (`review.command`,
 * `review.passEnv`, `timeouts.review`) is shared with the fix workflow.
 */
export const PullRequestsConfigSchema = z
  .object({
    /** Review pull requests when they are opened, reopened, marked ready or pushed to. Off: fixbot stays silent. */
    autoReview: z.boolean().default(true),
    /** Logins whose pull requests are never reviewed (compared case-insensitively, as GitHub does). */
    ignoreAuthors: z.array(z.string().min(1).max(100)).max(200).default([]),
    /**
     * Globs of paths left out of the review (picomatch: `docs/**`, `*.snap`, `*.{png,jpg}`, `[ab].ts`), as in
     * `.gitignore`: a pattern without `/` matches at any depth, `!pattern` takes back an earlier match.
     */
    ignorePaths: z.array(z.string().min(1).max(300)).max(200).default([]),
    /** Budget of one review chunk in bytes of diff; a single file bigger than this is listed as too large. */
    maxChunkBytes: z.number().int().min(1_000).max(1_000_000).default(60_000),
    /** At most this many agent runs per review; files that fit in none are listed as not reviewed. */
    maxChunks: z.number().int().min(1).max(50).default(5),
    /**
     * Automatic review of pull requests from forks: `review` (all), `skip-first-time` (not for first-time
     * contributors), `skip` (none). The operator's FIXBOT_FORK_REVIEWS caps it: a repository may only narrow it.
     */
    forks: ForkPolicySchema.default("review"),
    /**
     * The review's check run ("fixbot review" on the head sha) fails on a finding of this severity or worse:
     * `error`, `warning`, or `never` (the check always passes). Branch protection can require the check.
     */
    failOn: z.enum(FAIL_ON).default("never"),
  })
  .strict();

export type PullRequestsConfig = z.infer<typeof PullRequestsConfigSchema>;
