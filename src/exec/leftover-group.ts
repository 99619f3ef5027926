import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Agent and test processes run in their own process group, so they survive a SIGKILL of fixbot. When the
 * interrupted step runs again, the leftover group must die first, or two agents would edit one workspace.
 * The group's pid is written to a file with a random guard token that is also put in the group's environment;
 * a leftover is killed only if /proc shows the same token, so a reused pid is never hit.
 */
export interface GroupRecord {
  pid: number;
  guard: string;
}

export const GUARD_VAR = "FIXBOT_PROCESS_GUARD";

export function newGuard(): string {
  return randomUUID();
}

/** Synchronous on purpose: the record must exist as soon as the group does, before any crash can strike. */
export function recordGroup(file: string, record: GroupRecord): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(record));
}

export async function forgetGroup(file: string): Promise<void> {
  await rm(file, { force: true });
}

async function carriesGuard(pid: number, guard: string): Promise<boolean> {
  try {
    const environ = await readFile(`/proc/${pid}/environ`, "utf8");
    return environ.split("\0").includes(`${GUARD_VAR}=${guard}`);
  } catch {
    return false;
  }
}

/** Kills the group recorded in `file` if it is still ours and alive. Returns true when something was killed. */
export async function killLeftoverGroup(file: string): Promise<boolean> {
  let record: GroupRecord;
  try {
    record = JSON.parse(await readFile(file, "utf8")) as GroupRecord;
  } catch {
    return false;
  }
  let killed = false;
  if (await carriesGuard(record.pid, record.guard)) {
    try {
      process.kill(-record.pid, "SIGKILL");
      killed = true;
    } catch {
      // already gone
    }
  }
  await forgetGroup(file);
  return killed;
}
