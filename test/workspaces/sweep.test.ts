import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { workspaceGcSettings, EnvSchema } from "../../src/config/env.schema.js";
import { acquireLease, leasedDirs, leasesDir, processStartTime } from "../../src/workspaces/lease.js";
import { sweepWorkspaces } from "../../src/workspaces/sweep.js";

/** The collector on a real data directory: real files, real mtimes, leases held by this and by dead processes. */
const HOUR = 3_600_000;
let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "fixbot-gc-"));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

/** A workspace with `kb` KiB of files, last used `hoursAgo`. */
async function workspace(rel: string, hoursAgo: number, kb = 4): Promise<string> {
  const dir = join(dataDir, rel);
  await mkdir(join(dir, ".git"), { recursive: true });
  await writeFile(join(dir, "file.bin"), Buffer.alloc(kb * 1024, 1));
  const at = new Date(Date.now() - hoursAgo * HOUR);
  await utimes(dir, at, at);
  return dir;
}

const exists = (dir: string) =>
  readdir(dir).then(
    () => true,
    () => false,
  );

describe("workspace garbage collection", () => {
  it("removes finished workspaces past retention (clones, PR clones, review dirs, scratch); keeps recent ones", async () => {
    const old = await workspace("workspaces/acme/calc/7", 30);
    const oldPr = await workspace("workspaces/acme/calc/pr-3", 25);
    const oldCwd = await workspace("review-cwd/acme__calc__pr-3", 25);
    const oldScratch = await workspace("scratch/fixbot-agent-abc", 26);
    const recent = await workspace("workspaces/acme/calc/8", 1);
    const removed = await sweepWorkspaces({ dataDir, retentionMs: 24 * HOUR });
    expect(removed.map((v) => v.reason)).toEqual(["retention", "retention", "retention", "retention"]);
    for (const dir of [old, oldPr, oldCwd, oldScratch]) expect(await exists(dir)).toBe(false);
    expect(await exists(recent)).toBe(true);
    expect(await readdir(dataDir)).not.toContain("trash");
  });

  it("never removes a leased (running) workspace, past retention or over the size limit; it goes once released", async () => {
    const running = await workspace("workspaces/acme/calc/7", 48, 64);
    const lease = await acquireLease(dataDir, running);
    const past = new Date(Date.now() - 48 * HOUR);
    await utimes(running, past, past);
    expect(await sweepWorkspaces({ dataDir, retentionMs: 0, maxBytes: 1 })).toEqual([]);
    expect(await exists(running)).toBe(true);
    await lease.release();
    // Released: marked as just used, so only the size limit (or a retention of 0) removes it now.
    expect(await sweepWorkspaces({ dataDir, retentionMs: 24 * HOUR })).toEqual([]);
    expect((await sweepWorkspaces({ dataDir, retentionMs: 24 * HOUR, maxBytes: 1 })).map((v) => v.reason)).toEqual(["size"]);
    expect(await exists(running)).toBe(false);
  });

  it("past the size limit, removes the least recently used idle workspaces first, and only as many as needed", async () => {
    const a = await workspace("workspaces/acme/calc/1", 5, 256);
    const b = await workspace("workspaces/acme/calc/2", 3, 256);
    const c = await workspace("workspaces/acme/web/3", 1, 256);
    const d = await workspace("workspaces/acme/web/4", 4, 256);
    // ~1 MiB of workspaces; a limit of ~600 KiB leaves room for two.
    const removed = await sweepWorkspaces({ dataDir, retentionMs: 24 * HOUR, maxBytes: 600 * 1024 });
    expect(removed.map((v) => v.path)).toEqual([a, d]);
    expect([await exists(b), await exists(c)]).toEqual([true, true]);
  });

  it("a lease of a process that died (SIGKILL) expires: its workspace is collected", async () => {
    const dir = await workspace("workspaces/acme/calc/9", 30);
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    await new Promise((r) => child.once("spawn", r));
    const pid = child.pid!;
    await mkdir(leasesDir(dataDir), { recursive: true });
    await writeFile(
      join(leasesDir(dataDir), `dead.${pid}.1.json`),
      JSON.stringify({ dir, pid, processStart: processStartTime(pid), acquiredAt: Date.now() }),
    );
    expect((await leasedDirs(dataDir)).has(dir)).toBe(true);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    expect(await sweepWorkspaces({ dataDir, retentionMs: 24 * HOUR })).toHaveLength(1);
    expect(await exists(dir)).toBe(false);
    expect(await readdir(leasesDir(dataDir))).toEqual([]);
  });

  it("a lease whose pid now belongs to another process (different start time) has expired", async () => {
    const dir = await workspace("workspaces/acme/calc/10", 30);
    await mkdir(leasesDir(dataDir), { recursive: true });
    await writeFile(
      join(leasesDir(dataDir), `reused.${process.pid}.1.json`),
      JSON.stringify({ dir, pid: process.pid, processStart: "1", acquiredAt: 0 }),
    );
    expect((await sweepWorkspaces({ dataDir, retentionMs: 24 * HOUR })).map((v) => v.path)).toEqual([dir]);
  });

  it("keeps a git mirror past the workspaces' retention, removes it past its own; a mirror in use stays", async () => {
    const mirror = await workspace("mirrors/42/acme/calc.git", 30);
    const inUse = await workspace("mirrors/42/acme/web.git", 30 * 24);
    const stale = await workspace("mirrors/7/acme/calc.git", 15 * 24);
    const lease = await acquireLease(dataDir, inUse);
    const removed = await sweepWorkspaces({ dataDir, retentionMs: 24 * HOUR, mirrorRetentionMs: 14 * 24 * HOUR });
    expect(removed).toEqual([{ path: stale, reason: "retention", bytes: expect.any(Number) }]);
    expect([await exists(mirror), await exists(inUse)]).toEqual([true, true]);
    expect(await exists(join(dataDir, "mirrors", "7"))).toBe(false); // its empty installation folder went too
    await lease.release();
  });

  it("over the size limit, idle workspaces go before any mirror", async () => {
    const mirror = await workspace("mirrors/42/acme/calc.git", 10, 256);
    const ws = await workspace("workspaces/acme/calc/1", 1, 256);
    const removed = await sweepWorkspaces({ dataDir, retentionMs: 24 * HOUR, mirrorRetentionMs: 14 * 24 * HOUR, maxBytes: 400 * 1024 });
    expect(removed.map((v) => v.path)).toEqual([ws]);
    expect(await exists(mirror)).toBe(true);
  });

  it("settings: 24 h and 20 GB by default, mirrors 14 days; 0 GB means no size limit", () => {
    expect(workspaceGcSettings(EnvSchema.parse({}))).toEqual({
      retentionMs: 24 * HOUR,
      mirrorRetentionMs: 14 * 24 * HOUR,
      maxBytes: 20 * 1024 ** 3,
      intervalMs: 600_000,
    });
    expect(workspaceGcSettings(EnvSchema.parse({ FIXBOT_DATA_DIR_MAX_GB: "0" })).maxBytes).toBeUndefined();
    expect(EnvSchema.safeParse({ FIXBOT_WORKSPACE_RETENTION_HOURS: "-1" }).success).toBe(false);
  });
});
