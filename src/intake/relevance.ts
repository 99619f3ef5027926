import { selectAgent } from "../agents/selection.js";
import { parseRepoConfig } from "../config/repo.schema.js";
import { parseReviewConfig } from "../config/review-config.js";
import type { InboxEntry } from "../inbox/journal-records.js";
import type { PrReviewJob } from "../workflow/review-pr/types.js";
import { labelRule, reviewSettingsRule } from "../workflow/request-rules.js";
import type { FixJob, RepoRef } from "../workflow/types.js";

/**
 * Relevance before any actor: can this delivery start or change a run? Decided in the inbox's background
 * hand-over from the repository's config (the same file and the same rules the workflow applies), so the
 * org's ordinary webhook stream (labels that are not fixbot's, pull requests of repositories with automatic
 * review off) is settled without creating an actor. The rules are the workflow's own
 * (src/workflow/request-rules.ts), so both always agree. Pure.
 *
 * Bots, comments without a command and closed or draft items never reach the inbox (the handlers drop them, see
 * src/webhooks/to-job.ts, pr-to-job.ts, comment-to-command.ts). What cannot be decided from the config goes to
 * its actor as before: slash commands, the sender's permission, ignored paths (they need the diff), an
 * unknown kind.
 */

/** The repository whose config decides an entry, or undefined when no config can settle it. */
export interface ConfigSubject {
  installationId: number;
  repo: RepoRef;
}

/** The loaded config (repo file over the org defaults), or why it could not be read as YAML. */
export type LoadedConfig = { ok: true; raw: unknown } | { ok: false; problems: string[] };

export type Relevance = { act: true } | { act: false; reason: string };

const ACT: Relevance = { act: true };

/** The repository config an entry's relevance depends on; undefined: the entry goes to its actor regardless. */
export function configSubject(entry: Pick<InboxEntry, "kind" | "job">): ConfigSubject | undefined {
  if (entry.kind === "fix") {
    const job = entry.job as Partial<FixJob>;
    if (job.source !== "github" || job.label === undefined || job.installationId === undefined || !job.repo) return undefined;
    return { installationId: job.installationId, repo: job.repo };
  }
  if (entry.kind === "review") {
    const job = entry.job as Partial<PrReviewJob>;
    if (job.installationId === undefined || !job.repo || !job.pr) return undefined;
    return { installationId: job.installationId, repo: job.repo };
  }
  return undefined;
}

/**
 * Does this entry need its actor under this config? An invalid config is the workflow's to report (it says so on
 * the issue or PR), so it acts; only a valid config that rules the request out settles it.
 */
export function relevanceOf(entry: Pick<InboxEntry, "kind" | "job">, config: LoadedConfig): Relevance {
  if (!config.ok || configSubject(entry) === undefined) return ACT;
  if (entry.kind === "fix") {
    const parsed = parseRepoConfig(config.raw);
    if (!parsed.ok) return ACT;
    const reason = labelRule((entry.job as FixJob).label, parsed.config.label);
    return reason ? { act: false, reason } : ACT;
  }
  if (entry.kind === "review") {
    const parsed = parseReviewConfig(config.raw);
    if (!parsed.ok) return ACT;
    const job = entry.job as PrReviewJob;
    const reason = reviewSettingsRule(job, parsed.config.pullRequests, selectAgent(parsed.config.repo.review, "review") !== undefined);
    return reason ? { act: false, reason } : ACT;
  }
  return ACT;
}
