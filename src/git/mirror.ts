import { mkdir, readFile, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import { withLease } from "../workspaces/lease.js";
import { git, type GitAccess } from "./git.js";
import { mirrorState } from "./mirror-health.js";
import { withMirrorLock } from "./mirror-lock.js";
import { linkObjects } from "./mirror-objects.js";

/**
 * Warm clones. One bare mirror per installation and repository under `<data>/mirrors/`: the remote is fetched
 * into it (with the run's read token, so only new objects travel), and a run's clean repository is filled from
 * it by hard links (mirror-objects.ts). Mirrors are never shared between installations: an installation's
 * token decides what its mirror may hold. A cold fetch happens on first use and when the mirror is broken.
 */
export interface MirrorSpec {
  /** fixbot's data directory (for the lease that keeps the garbage collector off a mirror in use). */
  dataDir: string;
  /** The mirror's bare repository (mirrorDirFor). */
  dir: string;
  log?: Pick<Logger, "info" | "warn">;
}

function safe(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** `<data>/mirrors/<installation id or "local">/<owner>/<repo>.git`. */
export function mirrorDirFor(dataDir: string, installation: number | "local", owner: string, repo: string): string {
  return join(dataDir, "mirrors", safe(String(installation)), safe(owner), `${safe(repo)}.git`);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function initBare(dir: string, timeoutMs: number): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dirname(dir), { recursive: true });
  await git(dirname(dir), { timeoutMs }).raw(["init", "--quiet", "--bare", dir]);
}

/** git in the mirror, never anywhere else: GIT_DIR stops git from looking upwards when the mirror is damaged. */
function inMirror(mirror: MirrorSpec, access: Pick<GitAccess, "token" | "timeoutMs">) {
  return git(mirror.dir, access, { GIT_DIR: mirror.dir });
}

/**
 * Fetches `ref` of the remote into the mirror under the same name; says whether that was a warm update or a
 * cold fetch into a new (or rebuilt) mirror. A mirror failing the health check (mirror-health.ts) is rebuilt, so
 * is one that fails it after a failed fetch; a failed fetch into a sound mirror is the remote's problem and is
 * thrown as is.
 */
async function updateMirror(access: GitAccess, mirror: MirrorSpec, ref: string, rebuild = false): Promise<"warm" | "cold"> {
  const fetch = () => inMirror(mirror, access).raw(["fetch", "--quiet", "--no-tags", "--force", access.url, `+${ref}:${ref}`]);
  const before = rebuild ? undefined : await mirrorState(mirror.dir, access.timeoutMs);
  if (before?.state === "broken")
    mirror.log?.warn({ mirror: mirror.dir, why: before.why }, "git mirror is broken: rebuilding it with a full fetch");
  if (before?.state !== "healthy") {
    await initBare(mirror.dir, access.timeoutMs);
    await fetch();
    return "cold";
  }
  try {
    await fetch();
    return "warm";
  } catch (error) {
    const health = await mirrorState(mirror.dir, access.timeoutMs);
    if (health.state === "healthy") throw error;
    mirror.log?.warn(
      { mirror: mirror.dir, why: health.state === "broken" ? health.why : "missing" },
      "git mirror is broken: rebuilding it with a full fetch",
    );
    return updateMirror(access, mirror, ref, true);
  }
}

/** The sha `ref` points at in the mirror: read from the ref files (no process), or asked of git when packed away. */
async function mirrorRef(mirror: MirrorSpec, ref: string, timeoutMs: number): Promise<string> {
  const loose = (await readFile(join(mirror.dir, ref), "utf8").catch(() => "")).trim();
  if (/^[0-9a-f]{40,64}$/.test(loose)) return loose;
  return (await inMirror(mirror, { timeoutMs }).raw(["rev-parse", "--verify", `${ref}^{commit}`])).trim();
}

/** Creates the clean repository when it does not exist yet. */
async function ensureBare(gitDir: string, timeoutMs: number): Promise<void> {
  if (!(await exists(join(gitDir, "HEAD")))) await initBare(gitDir, timeoutMs);
}

/** Points `localRef` of the clean repository `gitDir` (created when missing) at the mirror's `ref`, sharing its objects. */
async function fillFromMirror(mirror: MirrorSpec, ref: string, gitDir: string, localRef: string, timeoutMs: number): Promise<string> {
  const sha = await mirrorRef(mirror, ref, timeoutMs);
  await ensureBare(gitDir, timeoutMs);
  await linkObjects(mirror.dir, gitDir);
  // update-ref refuses a commit the clean repository does not have: a mirror missing it is rebuilt.
  await git(gitDir, { timeoutMs }).raw(["update-ref", localRef, `${sha}^{commit}`]);
  return sha;
}

/**
 * Fetches the remote's `ref` through the installation's mirror into the clean repository `gitDir` as
 * `localRef`; returns its sha. One writer per mirror at a time (mirror-lock.ts); a fill that finds the mirror
 * lacking an object rebuilds the mirror once.
 */
export async function fetchViaMirror(
  params: GitAccess & { mirror: MirrorSpec; gitDir: string; ref: string; localRef: string },
): Promise<string> {
  const { mirror, gitDir, ref, localRef, ...access } = params;
  return withMirrorLock(mirror.dir, access.timeoutMs, () =>
    withLease(mirror.dataDir, mirror.dir, async () => {
      // The clean repository is created while the mirror fetches: the two are independent.
      const [updated] = await Promise.all([updateMirror(access, mirror, ref), ensureBare(gitDir, access.timeoutMs)]);
      let how = updated;
      let sha: string;
      try {
        sha = await fillFromMirror(mirror, ref, gitDir, localRef, access.timeoutMs);
      } catch (error) {
        if (how === "cold") throw error;
        mirror.log?.warn(
          { mirror: mirror.dir, why: (error as Error).message.split("\n")[0] },
          "git mirror is broken: rebuilding it with a full fetch",
        );
        how = await updateMirror(access, mirror, ref, true);
        sha = await fillFromMirror(mirror, ref, gitDir, localRef, access.timeoutMs);
      }
      mirror.log?.info({ mirror: mirror.dir, ref, how }, how === "cold" ? "git mirror: cold fetch" : "git mirror: warm fetch");
      return sha;
    }),
  );
}
