import { z } from "zod";
import { parseRepoConfig, type RepoConfig } from "./repo.schema.js";

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
    /** Globs of paths left out of the review (`docs/**`, `*.snap`); a pattern without `/` matches at any depth. */
    ignorePaths: z.array(z.string().min(1).max(300)).max(200).default([]),
    /** Budget of one review chunk in bytes of diff; a single file bigger than this is listed as too large. */
    maxChunkBytes: z.number().int().min(1_000).max(1_000_000).default(60_000),
    /** At most this many agent runs per review; files that fit in none are listed as not reviewed. */
    maxChunks: z.number().int().min(1).max(50).default(5),
  })
  .strict();

export type PullRequestsConfig = z.infer<typeof PullRequestsConfigSchema>;

/** Both halves of the config a review needs: the shared repo settings and the `pullRequests` settings. */
export interface ReviewConfig {
  repo: RepoConfig;
  pullRequests: PullRequestsConfig;
}

export type ParsedReviewConfig = { ok: true; config: ReviewConfig } | { ok: false; problems: string[] };

/**
 * Validates the raw YAML data of `.github/fixbot.yml` for a review. `pullRequests` is split off and checked by
 * its own schema (so this works whether or not the repo schema knows the key); problems from both halves come
 * back together, one line each, naming the field (`pullRequests.maxChunks`) and the expected form.
 */
export function parseReviewConfig(raw: unknown): ParsedReviewConfig {
  const data = raw ?? {};
  if (typeof data !== "object" || Array.isArray(data)) return { ok: false, problems: ["(top level): Expected a mapping of settings"] };
  const { pullRequests, ...rest } = data as Record<string, unknown>;
  const repo = parseRepoConfig(rest);
  const pr = PullRequestsConfigSchema.safeParse(pullRequests ?? {});
  const problems = [...(repo.ok ? [] : repo.problems), ...(pr.success ? [] : pr.error.issues.map(describeIssue))];
  if (!repo.ok || !pr.success || problems.length) return { ok: false, problems };
  return { ok: true, config: { repo: repo.config, pullRequests: pr.data } };
}

/** Same form as the repo schema's messages, with the field's full path under `pullRequests`. */
function describeIssue(issue: z.ZodIssue): string {
  const field = ["pullRequests", ...issue.path].join(".");
  if (issue.code === "unrecognized_keys") return `${field}: unknown field(s) ${issue.keys.map((k) => `\`${k}\``).join(", ")}`;
  return `\`${field}\`: ${issue.message}`;
}
