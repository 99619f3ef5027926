import { GITHUB_WRITES } from "../github/octokit.js";
import { parseRepoConfig, type RepoConfig } from "../config/repo.schema.js";
import { orgConfigClient } from "../github/org-config-client.js";
import { loadRepoConfigOrProblem } from "../github/repo-config.js";
import { fetchDiscussion } from "../github/issue-discussion.js";
import { labelAccessRule, labelRule } from "../workflow/request-rules.js";
import type { FixJob, RunView } from "../workflow/types.js";
import { applyCeilings } from "../spend/ceilings.js";
import { ceilingError } from "../spend/refusals.js";
import type { StepDeps } from "./deps.js";

export type RequestCheck =
  | {
      kind: "run";
      config: RepoConfig;
      /** The issue's human comments, quoted (absent in runs recorded before it existed). */ discussion?: string;
    }
  | { kind: "ignored"; reason: string }
  | { kind: "invalid-config"; problems: string[] }
  | { kind: "refused"; error: NonNullable<RunView["error"]> };

/**
 * Reads and validates the repo config, then decides whether this request is ours to run: the label must be the
 * configured one and the sender must have triage access or more. Runs inside the workflow (not in the webhook
 * handler) so webhooks are acknowledged without waiting on GitHub.
 */
export async function checkRequest(deps: StepDeps, job: FixJob): Promise<RequestCheck> {
  if (job.source === "local" || !deps.github || job.installationId === undefined) {
    const parsed = parseRepoConfig(job.configOverride ?? {});
    return parsed.ok ? { kind: "run", config: parsed.config } : { kind: "invalid-config", problems: parsed.problems };
  }
  const { octokit, app } = await deps.github.forInstallation(job.installationId, { repository: job.repo.name, permissions: GITHUB_WRITES });
  const owner = job.repo.owner;
  const repo = job.repo.name;
  const loaded = await loadRepoConfigOrProblem(octokit, owner, repo, orgConfigClient(deps.github, job.installationId));
  if (!loaded.ok) return { kind: "invalid-config", problems: loaded.problems };
  const raw = loaded.raw;
  const parsed = parseRepoConfig(raw);
  if (!parsed.ok) return { kind: "invalid-config", problems: parsed.problems };
  const wrongLabel = labelRule(job.label, parsed.config.label);
  if (wrongLabel) return { kind: "ignored", reason: wrongLabel };
  const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: job.requestedBy });
  const denied = labelAccessRule(job.requestedBy, { roleName: (data as { role_name?: string }).role_name, permission: data.permission });
  if (denied) return { kind: "ignored", reason: denied };
  // The operator's ceilings (src/spend/ceilings.ts): more than they allow is refused, naming the ceiling.
  const ceiling = applyCeilings(
    parsed.config.budgets,
    (raw as { budgets?: unknown } | null | undefined)?.budgets,
    deps.spend?.ceilings ?? {},
  );
  if (!ceiling.ok) {
    deps.metrics?.spendRefusals.inc({ limit: "budget-ceiling" });
    return { kind: "refused", error: ceilingError(ceiling.problems) };
  }
  const discussion = await fetchDiscussion({ octokit, owner, repo, issueNumber: job.issue.number, app });
  return { kind: "run", config: { ...parsed.config, budgets: ceiling.budgets }, ...(discussion ? { discussion } : {}) };
}
