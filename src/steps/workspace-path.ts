import { join } from "node:path";
import type { FixJob } from "../workflow/types.js";

function safe(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]/g, "_");
}

function runKey(job: FixJob): string {
  return job.source === "local" ? safe(job.branch) : String(job.issue.number);
}

/** One working tree per issue: plain files (no `.git`), exported anew for every step that runs repository code. */
export function workspaceDir(dataDir: string, job: FixJob): string {
  return join(dataDir, "workspaces", safe(job.repo.owner), safe(job.repo.name), runKey(job));
}

/** fixbot's clean bare repository for the issue: fetched into, committed in and pushed from by fixbot alone. */
export function gitDirFor(dataDir: string, job: FixJob): string {
  return join(dataDir, "git", safe(job.repo.owner), safe(job.repo.name), `${runKey(job)}.git`);
}

/** What a sandbox's uid is derived from: every step of one issue's run sees the same owner of its files. */
export function sandboxKey(job: FixJob): string {
  return `${job.repo.owner}/${job.repo.name}/${runKey(job)}`;
}

/** Scratch space for agent task files: outside the workspace so nothing there is ever committed. */
export function scratchDir(dataDir: string): string {
  return join(dataDir, "scratch");
}

/** Where a step records the process group of its agent or test command (see exec/leftover-group.ts). */
export function groupFile(dataDir: string, job: FixJob, role: "agent" | "tests" | "review"): string {
  const key = [job.repo.owner, job.repo.name, runKey(job)].map(safe).join("__");
  return join(dataDir, "groups", `${key}.${role}.json`);
}
