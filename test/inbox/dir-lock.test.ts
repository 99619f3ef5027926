import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DirLockedError, lockDir } from "../../src/inbox/dir-lock.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "fixbot-lock-"));
  dirs.push(root);
  return join(root, "inbox");
}

const startTime = async (pid: number) => {
  const s = await readFile(`/proc/${pid}/stat`, "utf8");
  return s.slice(s.lastIndexOf(")") + 2).split(" ")[19];
};

describe("lockDir", () => {
  it("refuses while another live process holds the directory, naming it; takes it once that process is gone", async () => {
    const dir = await tempDir();
    const other = spawn("sleep", ["30"], { stdio: "ignore" });
    await writeFile(`${dir}.lock`, JSON.stringify({ pid: other.pid, startTime: await startTime(other.pid!), hostname: hostname() }));
    const err = await lockDir(dir, (o) => `held by ${o.pid}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirLockedError);
    expect((err as Error).message).toBe(`held by ${other.pid}`);
    other.kill("SIGKILL");
    await new Promise((r) => other.once("exit", r));
    const lock = await lockDir(dir, () => "held");
    expect(JSON.parse(await readFile(`${dir}.lock`, "utf8"))).toMatchObject({ pid: process.pid });
    await lock.release();
    await expect(stat(`${dir}.lock`)).rejects.toThrow();
  });

  it("a reused pid (same pid, another start time) and a lock from another host do not hold it", async () => {
    const dir = await tempDir();
    const other = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      await writeFile(`${dir}.lock`, JSON.stringify({ pid: other.pid, startTime: "1", hostname: hostname() }));
      await (await lockDir(dir, () => "held")).release();
      await writeFile(
        `${dir}.lock`,
        JSON.stringify({ pid: other.pid, startTime: await startTime(other.pid!), hostname: `${hostname()}-elsewhere` }),
      );
      await (await lockDir(dir, () => "held")).release();
    } finally {
      other.kill("SIGKILL");
    }
  });
});
