import { spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GUARD_VAR, killLeftoverGroup, newGuard, recordGroup } from "../../src/exec/leftover-group.js";
import { runProcess } from "../../src/exec/run-process.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitDead(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/** A process group as a crashed fixbot leaves it: detached, still running, recorded with its guard. */
function orphanGroup(guard: string) {
  const child = spawn("/bin/sh", ["-c", "sleep 300 & wait"], {
    detached: true,
    stdio: "ignore",
    env: { PATH: process.env.PATH!, [GUARD_VAR]: guard },
  });
  child.unref();
  return child;
}

describe("leftover process groups", () => {
  it("kills the group a crashed step recorded, and forgets it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fixbot-groups-"));
    dirs.push(dir);
    const guard = newGuard();
    const child = orphanGroup(guard);
    const file = join(dir, "g.json");
    recordGroup(file, { pid: child.pid!, guard });
    await new Promise((r) => setTimeout(r, 50));
    expect(await killLeftoverGroup(file)).toBe(true);
    child.on("exit", () => undefined);
    expect(await waitDead(child.pid!)).toBe(true);
    await expect(stat(file)).rejects.toThrow();
  });

  it("never kills a process whose environment lacks the guard (a reused pid)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fixbot-groups-"));
    dirs.push(dir);
    const child = orphanGroup(newGuard());
    const file = join(dir, "g.json");
    recordGroup(file, { pid: child.pid!, guard: newGuard() });
    await new Promise((r) => setTimeout(r, 50));
    expect(await killLeftoverGroup(file)).toBe(false);
    expect(alive(child.pid!)).toBe(true);
    process.kill(-child.pid!, "SIGKILL");
  });

  it("runProcess records its group while it runs and removes the record after", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fixbot-groups-"));
    dirs.push(dir);
    const file = join(dir, "g.json");
    const result = await runProcess({
      command: `while [ ! -s ${file} ]; do sleep 0.01; done; cat ${file}; echo; echo $${GUARD_VAR}`,
      cwd: dir,
      env: { PATH: process.env.PATH! },
      timeoutMs: 10_000,
      groupFile: file,
    });
    const [recorded, guard] = result.stdout.trim().split("\n");
    expect(JSON.parse(recorded!)).toEqual({ pid: expect.any(Number), guard });
    await new Promise((r) => setTimeout(r, 50));
    await expect(stat(file)).rejects.toThrow();
  });
});
