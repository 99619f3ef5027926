import type { CommandJob } from "../webhooks/comment-to-command.js";
import type { PrReviewJob } from "../workflow/review-pr/types.js";
import type { FixJob } from "../workflow/types.js";

/**
 * Every actor key and inbox route, in one place. Issues and pull requests share GitHub's number space, so each
 * actor type has one actor per (owner/repo lowercased, number); a local CLI run has one per (repository, branch).
 */

function issueKey(repo: { owner: string; name: string }, number: number): string[] {
  return [`${repo.owner}/${repo.name}`.toLowerCase(), String(number)];
}

/** The fix-run actor: one run at a time per issue is a property of this key, not a lock. */
export function fixRunKey(job: Pick<FixJob, "source" | "repo" | "issue" | "branch">): string[] {
  if (job.source === "local") return ["local", job.repo.name, job.branch];
  return issueKey(job.repo, job.issue.number);
}

/** The fix-run actor of the issue or pull request a command was written on. */
export function fixRunKeyOfCommand(job: Pick<CommandJob, "repo" | "number">): string[] {
  return issueKey(job.repo, job.number);
}

/** The pull request's review actor. */
export function prReviewKey(job: Pick<PrReviewJob, "repo" | "pr">): string[] {
  return issueKey(job.repo, job.pr.number);
}

/** The commands actor of an issue or pull request (apart from its fix-run actor, so `cancel` answers at once). */
export function commandsKey(job: Pick<CommandJob, "repo" | "number">): string[] {
  return issueKey(job.repo, job.number);
}

/** The kinds of inbox entries, and the actor type each goes to. */
export const ROUTE_ACTOR = { fix: "fixRun", review: "prReview", command: "commands" } as const;

/** The actor an inbox entry goes to (`<actor type>:<key>`): entries of one route are handed on together. Pure. */
export function routeOf(entry: { id: string; kind: string; job: unknown }): string {
  if (entry.kind === "fix") return `${ROUTE_ACTOR.fix}:${fixRunKey(entry.job as FixJob).join("/")}`;
  if (entry.kind === "review") return `${ROUTE_ACTOR.review}:${prReviewKey(entry.job as PrReviewJob).join("/")}`;
  if (entry.kind === "command") return `${ROUTE_ACTOR.command}:${commandsKey(entry.job as CommandJob).join("/")}`;
  return `unknown:${entry.id}`;
}

/** The runs index of one installation (src/actors/runs-index.ts). */
export function runsIndexKey(installationId: number): string[] {
  return [String(installationId)];
}

/** The one catalog of installations that have a runs index. */
export const RUNS_CATALOG_KEY = ["all"];
