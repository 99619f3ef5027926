import { readFileSync } from "node:fs";
import { link, readFile, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";

/** Another live process holds the directory: start-up stops with this message. */
export class DirLockedError extends Error {}

interface Owner {
  pid: number;
  /** The process's start time (field 22 of /proc/<pid>/stat): with the pid, it names one process for good. */
  startTime: string;
  hostname: string;
}

/** This process's start time, or "" where /proc is missing (macOS: the pid alone then). */
function startTimeOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
  } catch {
    return "";
  }
}

/** True when the recorded owner is a live process on this host (same pid AND start time). */
function isLive(owner: Owner): boolean {
  if (owner.hostname !== hostname()) return false; // another host's process: its replica id should differ
  if (owner.pid === process.pid) return false; // this process reopening what it abandoned (tests simulate crashes so)
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return owner.startTime === "" || startTimeOf(owner.pid) === owner.startTime;
}

/**
 * Takes `<dir>.lock` (next to the directory, so the directory holds only its own files) for this process, or throws DirLockedError when a live process holds it. A lock
 * left by a dead process (a crash, a SIGKILL, a container restarted with the same host name) is taken over.
 */
export async function lockDir(dir: string, describe: (owner: Owner) => string): Promise<{ release(): Promise<void> }> {
  const path = `${dir.replace(/\/+$/, "")}.lock`;
  const me: Owner = { pid: process.pid, startTime: startTimeOf(process.pid), hostname: hostname() };
  for (let attempt = 0; attempt < 3; attempt++) {
    // Written aside, then linked into place: the lock file never exists half-written.
    const aside = `${path}.${process.pid}`;
    await writeFile(aside, JSON.stringify(me), { mode: 0o600 });
    try {
      await link(aside, path);
      await rm(aside, { force: true });
      return {
        async release() {
          const current = await readFile(path, "utf8").catch(() => "");
          if (current === JSON.stringify(me)) await rm(path, { force: true });
        },
      };
    } catch (error) {
      await rm(aside, { force: true });
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const text = await readFile(path, "utf8").catch(() => "");
    let owner: Owner | undefined;
    try {
      owner = JSON.parse(text) as Owner;
    } catch {
      owner = undefined; // not fixbot's lock format: nobody we know holds it
    }
    if (owner && typeof owner.pid === "number" && isLive(owner)) throw new DirLockedError(describe(owner));
    await rm(path, { force: true });
  }
  throw new DirLockedError(`could not lock ${dir}: another process keeps taking it`);
}
