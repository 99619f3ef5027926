import { randomUUID } from "node:crypto";
import { renameSync } from "node:fs";
import { lstat, mkdir, readdir, rm, rmdir } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import type { Logger } from "pino";
import { chooseVictims, type DiskEntry, type Victim } from "./choose-victims.js";
import { leasedDirs, leasedHere } from "./lease.js";

/**
 * The workspace garbage collector's I/O: list what may be removed under the data directory, measure it, ask
 * chooseVictims, remove. A victim is first moved into `<dataDir>/trash` in the same tick as its lease is checked
 * (a rename is atomic), so a step starting meanwhile finds either the whole directory or none, and rebuilds it:
 * the disk is a cache of what the steps recorded.
 */
export interface SweepSettings {
  dataDir: string;
  retentionMs: number;
  /** Retention of git mirrors; undefined: retentionMs. */
  mirrorRetentionMs?: number;
  /** Undefined: no size limit. */
  maxBytes?: number;
  now?: () => number;
  log?: Logger;
}

/** Directories the collector manages; everything else in the data directory is counted, never removed. */
const MANAGED = ["workspaces", "git", "scratch", "review-cwd", "mirrors"];
const TRASH = "trash";

async function childDirs(dir: string): Promise<string[]> {
  const items = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return items.filter((d) => d.isDirectory()).map((d) => join(dir, d.name));
}

/** Bytes a directory takes on disk (allocated blocks), walking it without following links. */
export async function diskBytes(path: string, skip: ReadonlySet<string> = new Set()): Promise<number> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return 0;
  let total = info.blocks * 512;
  if (!info.isDirectory()) return total;
  const names = await readdir(path).catch(() => [] as string[]);
  for (const name of names) {
    const child = join(path, name);
    if (!skip.has(child)) total += await diskBytes(child);
  }
  return total;
}

/** The managed entries: `workspaces/<owner>/<repo>/<run>`, `git/<owner>/<repo>/<run>.git` (the clean repositories), `review-cwd/<pr>`, `scratch/<temp dir>`. */
async function listEntries(dataDir: string, leased: ReadonlySet<string>): Promise<DiskEntry[]> {
  const paths: Array<{ path: string; kind: DiskEntry["kind"] }> = [];
  for (const top of ["workspaces", "git"]) {
    for (const owner of await childDirs(join(dataDir, top))) {
      for (const repo of await childDirs(owner)) for (const path of await childDirs(repo)) paths.push({ path, kind: "workspace" });
    }
  }
  for (const installation of await childDirs(join(dataDir, "mirrors"))) {
    for (const owner of await childDirs(installation)) for (const path of await childDirs(owner)) paths.push({ path, kind: "mirror" });
  }
  for (const path of await childDirs(join(dataDir, "review-cwd"))) paths.push({ path, kind: "workspace" });
  for (const path of await childDirs(join(dataDir, "scratch"))) paths.push({ path, kind: "scratch" });
  const entries: DiskEntry[] = [];
  for (const { path, kind } of paths) {
    const info = await lstat(path).catch(() => undefined);
    if (!info) continue;
    entries.push({
      path,
      kind,
      lastUsed: info.mtimeMs,
      bytes: await diskBytes(path),
      leased: leased.has(resolve(path)) || leasedHere(path),
    });
  }
  return entries;
}

/** One pass: returns what was removed. Never throws for one directory that could not be removed; logs it. */
export async function sweepWorkspaces(settings: SweepSettings): Promise<Victim[]> {
  const dataDir = resolve(settings.dataDir);
  const now = settings.now ?? Date.now;
  const trash = join(dataDir, TRASH);
  await rm(trash, { recursive: true, force: true });
  const leased = await leasedDirs(dataDir);
  const entries = await listEntries(dataDir, leased);
  const skip = new Set([...MANAGED, TRASH].map((name) => join(dataDir, name)));
  const otherBytes = settings.maxBytes === undefined ? 0 : await diskBytes(dataDir, skip);
  const victims = chooseVictims(entries, now(), {
    retentionMs: settings.retentionMs,
    mirrorRetentionMs: settings.mirrorRetentionMs,
    maxBytes: settings.maxBytes,
    otherBytes,
  });
  const removed: Victim[] = [];
  await mkdir(trash, { recursive: true });
  for (const victim of victims) {
    // Checked and moved in one tick: no step of this process can take a lease in between.
    if (leasedHere(victim.path)) continue;
    try {
      renameSync(victim.path, join(trash, randomUUID()));
    } catch (error) {
      settings.log?.warn({ err: error, path: victim.path }, "workspace gc: could not remove a directory");
      continue;
    }
    removed.push(victim);
    // Empty owner/repo folders of clones go too (rmdir fails on a non-empty one: that is the check).
    if (victim.path.startsWith(join(dataDir, "workspaces") + sep) || victim.path.startsWith(join(dataDir, "git") + sep)) {
      await rmdir(dirname(victim.path)).catch(() => undefined);
      await rmdir(dirname(dirname(victim.path))).catch(() => undefined);
    }
    if (victim.path.startsWith(join(dataDir, "mirrors") + sep)) {
      await rmdir(dirname(victim.path)).catch(() => undefined);
      await rmdir(dirname(dirname(victim.path))).catch(() => undefined);
    }
  }
  await rm(trash, { recursive: true, force: true });
  if (removed.length > 0) {
    settings.log?.info(
      { removed: removed.map((v) => ({ path: v.path, reason: v.reason, bytes: v.bytes })) },
      "workspace gc: removed unused directories",
    );
  }
  return removed;
}

/**
 * Runs the sweep at start and then every `intervalMs` (one pass at a time; the timer does not keep the process
 * alive). A failed pass is logged and the next one runs on schedule.
 */
export function startWorkspaceSweeper(settings: SweepSettings & { intervalMs: number }): {
  stop(): Promise<void>;
  sweepNow(): Promise<Victim[]>;
} {
  let running: Promise<Victim[]> = Promise.resolve([]);
  const sweepNow = () => {
    running = running
      .then(() => sweepWorkspaces(settings))
      .catch((error: unknown) => {
        settings.log?.warn({ err: error }, "workspace gc: a sweep failed");
        return [];
      });
    return running;
  };
  void sweepNow();
  const timer = setInterval(() => void sweepNow(), settings.intervalMs);
  timer.unref();
  return {
    sweepNow,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
