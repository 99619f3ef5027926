import { join } from "node:path";
import type { FixJob } from "../workflow/types.js";

function safe(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** One working tree per issue: a new run on the same issue reuses (and resets) it. */
export function workspaceDir(dataDir: string, job: FixJob): string {
  return join(dataDir, "workspaces", safe(job.repo.owner), safe(job.repo.name), job.source === "local" ? safe(job.branch) : String(job.issue.number));
}

/** Scratch space for agent task files: outside the workspace so nothing there is ever committed. */
export function scratchDir(dataDir: string): string {
  return join(dataDir, "scratch");
}

/** Where a step records the process group of its agent or test command (see exec/leftover-group.ts). */
export function groupFile(dataDir: string, job: FixJob, role: "agent" | "tests" | "review"): string {
  const key = [job.repo.owner, job.repo.name, job.source === "local" ? job.branch : String(job.issue.number)].map(safe).join("__");
  return join(dataDir, "groups", `${key}.${role}.json`);
}
