import type { GitAccess } from "../git/git.js";
import { mirrorDirFor, type MirrorSpec } from "../git/mirror.js";
import { CONTENTS_READ, CONTENTS_WRITE } from "../github/octokit.js";
import type { FixJob } from "../workflow/types.js";
import type { StepDeps } from "./deps.js";

/** The installation's mirror of the job's repository (warm clones); a local run's mirror is its own ("local"). */
function mirrorFor(deps: StepDeps, job: FixJob, installation: number | "local"): MirrorSpec {
  return { dataDir: deps.dataDir, dir: mirrorDirFor(deps.dataDir, installation, job.repo.owner, job.repo.name), log: deps.log };
}

/**
 * Clone URL plus, for GitHub jobs, a fresh installation token for this one repository: read-only to fetch,
 * `contents: write` only for the push (asked for per step: tokens expire after an hour). Reads go through the
 * installation's mirror.
 */
export async function gitAccessFor(deps: StepDeps, job: FixJob, timeoutMs: number, access: "read" | "write" = "read"): Promise<GitAccess> {
  const local = job.source === "local" || !deps.github || job.installationId === undefined;
  const installation = local ? "local" : job.installationId!;
  const base: GitAccess = {
    url: job.repo.cloneUrl,
    timeoutMs,
    ...(access === "read" ? { mirror: mirrorFor(deps, job, installation) } : {}),
  };
  if (installation === "local" || !deps.github) return base;
  const { token } = await deps.github.forInstallation(installation, {
    repository: job.repo.name,
    permissions: access === "write" ? CONTENTS_WRITE : CONTENTS_READ,
  });
  return { ...base, token };
}
