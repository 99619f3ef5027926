import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

/**
 * A workspace in use is never garbage-collected. A step that works in a directory holds a lease on it: a small
 * marker file under `<dataDir>/leases/` naming the directory, the holder's pid and that process's start time.
 * The start time makes a crashed process's leases expire even when its pid is reused by another process.
 * Releasing a lease marks the directory as just used (its mtime), which is what retention and LRU order read.
 */
export interface Lease {
  release(): Promise<void>;
}

export interface LeaseRecord {
  dir: string;
  pid: number;
  /** The holder's start time (clock ticks since boot, /proc/<pid>/stat field 22); undefined off Linux. */
  processStart?: string;
  acquiredAt: number;
}

export function leasesDir(dataDir: string): string {
  return join(dataDir, "leases");
}

/** A process's start time from /proc (Linux); undefined when it is gone or /proc is not there. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Is the lease's holder still the process that took it? */
export function holderAlive(record: LeaseRecord): boolean {
  if (!pidAlive(record.pid)) return false;
  const start = processStartTime(record.pid);
  return record.processStart === undefined || start === undefined || start === record.processStart;
}

const SELF_START = processStartTime(process.pid);
let counter = 0;
/** This process's leases, updated synchronously: the sweeper checks it in the same tick as it moves a directory. */
const held = new Map<string, number>();

/** True while a step of this process holds a lease on `dir` (synchronous: no await between check and act). */
export function leasedHere(dir: string): boolean {
  return (held.get(resolve(dir)) ?? 0) > 0;
}

/** Takes a lease on `dir` (several holders may lease the same directory); release it when the work is done. */
export async function acquireLease(dataDir: string, dir: string, now: () => number = Date.now): Promise<Lease> {
  const target = resolve(dir);
  held.set(target, (held.get(target) ?? 0) + 1);
  const folder = leasesDir(dataDir);
  await mkdir(folder, { recursive: true });
  const id = createHash("sha256").update(target).digest("hex").slice(0, 16);
  const file = join(folder, `${id}.${process.pid}.${++counter}.json`);
  const record: LeaseRecord = { dir: target, pid: process.pid, ...(SELF_START ? { processStart: SELF_START } : {}), acquiredAt: now() };
  await writeFile(file, JSON.stringify(record));
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      const count = (held.get(target) ?? 1) - 1;
      if (count > 0) held.set(target, count);
      else held.delete(target);
      const at = new Date(now());
      await utimes(target, at, at).catch(() => undefined);
      await rm(file, { force: true });
    },
  };
}

/** Runs `work` while holding a lease on `dir`; the lease is released however the work ends. */
export async function withLease<T>(dataDir: string, dir: string, work: () => Promise<T>): Promise<T> {
  const lease = await acquireLease(dataDir, dir);
  try {
    return await work();
  } finally {
    await lease.release();
  }
}

/** The directories leased by a live holder; marker files of dead holders are removed on the way. */
export async function leasedDirs(dataDir: string): Promise<Set<string>> {
  const folder = leasesDir(dataDir);
  const names = await readdir(folder).catch(() => [] as string[]);
  const live = new Set<string>();
  for (const name of names) {
    const file = join(folder, name);
    let record: LeaseRecord;
    try {
      record = JSON.parse(await readFile(file, "utf8")) as LeaseRecord;
    } catch {
      continue; // being written right now, or released meanwhile
    }
    if (holderAlive(record)) live.add(record.dir);
    else await rm(file, { force: true });
  }
  return live;
}
