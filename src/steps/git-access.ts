import type { GitAccess } from "../git/workspace.js";
import type { FixJob } from "../workflow/types.js";
import type { StepDeps } from "./deps.js";

/** Clone URL plus, for GitHub jobs, a fresh installation token (asked for per step: tokens expire after an hour). */
export async function gitAccessFor(deps: StepDeps, job: FixJob, timeoutMs: number): Promise<GitAccess> {
  if (job.source === "local" || !deps.github || job.installationId === undefined) {
    return { url: job.repo.cloneUrl, timeoutMs };
  }
  const { token } = await deps.github.forInstallation(job.installationId);
  return { url: job.repo.cloneUrl, token, timeoutMs };
}
