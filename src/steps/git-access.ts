import type { GitAccess } from "../git/git.js";
import { CONTENTS_READ, CONTENTS_WRITE } from "../github/octokit.js";
import type { FixJob } from "../workflow/types.js";
import type { StepDeps } from "./deps.js";

/**
 * Clone URL plus, for GitHub jobs, a fresh installation token for this one repository: read-only to fetch,
 * `contents: write` only for the push (asked for per step: tokens expire after an hour).
 */
export async function gitAccessFor(deps: StepDeps, job: FixJob, timeoutMs: number, access: "read" | "write" = "read"): Promise<GitAccess> {
  if (job.source === "local" || !deps.github || job.installationId === undefined) {
    return { url: job.repo.cloneUrl, timeoutMs };
  }
  const { token } = await deps.github.forInstallation(job.installationId, { repository: job.repo.name, permissions: access === "write" ? CONTENTS_WRITE : CONTENTS_READ });
  return { url: job.repo.cloneUrl, token, timeoutMs };
}
