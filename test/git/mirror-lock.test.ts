import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withMirrorLock } from "../../src/git/mirror-lock.js";
import { processStartTime } from "../../src/workspaces/lease.js";

/** One writer per mirror: queued in the process, and waiting for another live process's `<mirror>.lock`. */
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fixbot-mirror-lock-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("withMirrorLock", () => {
  it("runs the same mirror's work one at a time in this process, in order; other mirrors are not held up", async () => {
    const events: string[] = [];
    const work = (name: string, mirror: string) =>
      withMirrorLock(join(dir, mirror), 5_000, async () => {
        events.push(`${name} start`);
        await new Promise((r) => setTimeout(r, 30));
        events.push(`${name} end`);
      });
    await Promise.all([work("a", "m.git"), work("b", "m.git"), work("c", "other.git")]);
    expect(events.indexOf("a end")).toBeLessThan(events.indexOf("b start"));
    expect(events.indexOf("c start")).toBeLessThan(events.indexOf("a end"));
  });

  it("a failed holder does not block the next one", async () => {
    const mirror = join(dir, "m.git");
    await expect(withMirrorLock(mirror, 5_000, async () => Promise.reject(new Error("fetch failed")))).rejects.toThrow("fetch failed");
    expect(await withMirrorLock(mirror, 5_000, async () => "next")).toBe("next");
  });

  it("waits while another live process holds the lock file, and goes on once it is gone", async () => {
    const mirror = join(dir, "m.git");
    const other = spawn("sleep", ["30"], { stdio: "ignore" });
    await new Promise((r) => other.once("spawn", r));
    await writeFile(
      `${mirror}.lock`,
      JSON.stringify({ pid: other.pid, startTime: processStartTime(other.pid!) ?? "", hostname: hostname() }),
    );
    let ran = false;
    const waiting = withMirrorLock(mirror, 10_000, async () => {
      ran = true;
    });
    await new Promise((r) => setTimeout(r, 400));
    expect(ran).toBe(false);
    other.kill("SIGKILL");
    await waiting;
    expect(ran).toBe(true);
  });

  it("gives up with a clear error after its timeout", async () => {
    const mirror = join(dir, "m.git");
    const other = spawn("sleep", ["30"], { stdio: "ignore" });
    await new Promise((r) => other.once("spawn", r));
    await writeFile(
      `${mirror}.lock`,
      JSON.stringify({ pid: other.pid, startTime: processStartTime(other.pid!) ?? "", hostname: hostname() }),
    );
    await expect(withMirrorLock(mirror, 300, async () => undefined)).rejects.toThrow(`is being updated by process ${other.pid}`);
    other.kill("SIGKILL");
  });
});
