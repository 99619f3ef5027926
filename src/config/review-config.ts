import type { z } from "zod";
import { PullRequestsConfigSchema, type PullRequestsConfig } from "./pull-requests.schema.js";
import { parseRepoConfig, type RepoConfig } from "./repo.schema.js";

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
