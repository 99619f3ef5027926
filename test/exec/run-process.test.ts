import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeExit, runProcess, timerDelay, type ProcessResult } from "../../src/exec/run-process.js";

const ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fixbot-run-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Alive means process.kill(pid, 0) succeeds and the process is not a zombie: a killed grandchild is reparented to
 * pid 1, which reaps it late (or never, in some containers), and kill(pid, 0) succeeds on a zombie.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return !existsSync("/proc/self"); // no procfs (macOS): trust kill(pid, 0)
  }
}

/** Killing is asynchronous from our side: poll briefly rather than assert on timing. */
async function waitUntilDead(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !isAlive(pid);
}

async function grandchildPid(): Promise<number> {
  return Number((await readFile(join(dir, "pidfile"), "utf8")).trim());
}

describe("runProcess", () => {
  it("captures exit code, stdout and combined output", async () => {
    const r = await runProcess({ command: "echo out; echo err >&2; exit 3", cwd: dir, env: ENV, timeoutMs: 10_000 });
    expect(r).toMatchObject({ exitCode: 3, signal: null, timedOut: false, aborted: false, truncated: false });
    expect(r.stdout).toBe("out\n");
    expect(r.output).toContain("out\n");
    expect(r.output).toContain("err\n");
    expect(describeExit(r)).toBe("exit 3");
  });

  it("passes stdin and runs in cwd", async () => {
    const r = await runProcess({ command: "cat; pwd", cwd: dir, env: ENV, stdin: "hello\n", timeoutMs: 10_000 });
    expect(r.stdout).toBe(`hello\n${await realpath(dir)}\n`);
  });

  it("gives the child exactly the given environment", async () => {
    process.env.FIXBOT_TEST_LEAK = "leaked";
    try {
      const r = await runProcess({ command: "env", cwd: dir, env: { ...ENV, ONLY_THIS: "yes" }, timeoutMs: 10_000 });
      expect(r.stdout).toContain("ONLY_THIS=yes");
      expect(r.stdout).not.toContain("FIXBOT_TEST_LEAK");
    } finally {
      delete process.env.FIXBOT_TEST_LEAK;
    }
  });

  it("kills the whole process group on timeout, grandchildren included", async () => {
    const r = await runProcess({
      command: "sleep 300 & echo $! > pidfile; wait",
      cwd: dir,
      env: ENV,
      timeoutMs: 400,
    });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(r.signal).toBe("SIGTERM");
    expect(describeExit(r, 30_000)).toBe("timed out after 30s");
    expect(await waitUntilDead(await grandchildPid())).toBe(true);
  });

  it("escalates to SIGKILL when the group ignores SIGTERM", async () => {
    const r = await runProcess({
      command: "trap '' TERM; sleep 300 & echo $! > pidfile; wait; wait",
      cwd: dir,
      env: ENV,
      timeoutMs: 300,
      killGraceMs: 200,
    });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe("SIGKILL");
    expect(await waitUntilDead(await grandchildPid())).toBe(true);
  });

  it("kills the group when the signal aborts", async () => {
    const ac = new AbortController();
    const running = runProcess({
      command: "sleep 300 & echo $! > pidfile; echo started; wait",
      cwd: dir,
      env: ENV,
      timeoutMs: 60_000,
      signal: ac.signal,
      onOutput: (chunk) => {
        if (chunk.includes("started")) ac.abort();
      },
    });
    const r = await running;
    expect(r.aborted).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(describeExit(r)).toBe("cancelled");
    expect(await waitUntilDead(await grandchildPid())).toBe(true);
  });

  it("does not start when the signal is already aborted", async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await runProcess({ command: "touch marker", cwd: dir, env: ENV, timeoutMs: 10_000, signal: ac.signal });
    expect(r.aborted).toBe(true);
    expect(existsSync(join(dir, "marker"))).toBe(false);
  });

  it("kills background jobs left behind after a normal exit", async () => {
    const r = await runProcess({
      command: "sleep 300 >/dev/null 2>&1 & echo $! > pidfile; exit 0",
      cwd: dir,
      env: ENV,
      timeoutMs: 10_000,
    });
    expect(r.exitCode).toBe(0);
    expect(await waitUntilDead(await grandchildPid())).toBe(true);
  });

  it("keeps the tail of large output", async () => {
    const r = await runProcess({ command: "seq 1 100000", cwd: dir, env: ENV, timeoutMs: 10_000, maxOutputBytes: 1000 });
    expect(r.exitCode).toBe(0);
    expect(r.truncated).toBe(true);
    expect(Buffer.byteLength(r.output)).toBeLessThanOrEqual(1000);
    expect(r.output.endsWith("99999\n100000\n")).toBe(true);
    expect(r.stdout.endsWith("100000\n")).toBe(true);
    expect(r.output).not.toContain("\n1\n");
  });

  it("redacts secrets from results and streamed output, even when split across writes", async () => {
    const token = `ghs_${"Zz9".repeat(12)}`;
    const chunks: string[] = [];
    const r = await runProcess({
      command: `printf 'secret: hunter2-pass'; sleep 0.1; printf 'word\\n'; echo "$TOKEN" >&2`,
      cwd: dir,
      env: { ...ENV, TOKEN: token },
      timeoutMs: 10_000,
      secrets: ["hunter2-password"],
      onOutput: (c) => chunks.push(c),
    });
    const streamed = chunks.join("");
    for (const text of [r.output, r.stdout, streamed]) {
      expect(text).not.toContain("hunter2");
      expect(text).not.toContain(token);
    }
    expect(r.stdout).toBe("secret: ***\n");
    expect(streamed).toContain("secret: ***\n");
    expect(streamed).toContain("***\n");
  });

  it("resolves with 127 and a clear message when cwd does not exist", async () => {
    const missing = join(dir, "nope");
    const r = await runProcess({ command: "true", cwd: missing, env: ENV, timeoutMs: 10_000 });
    expect(r.exitCode).toBe(127);
    expect(r.output).toContain("working directory does not exist");
    expect(r.output).toContain(missing);
  });

  it("never rejects for a failing command", async () => {
    const r = await runProcess({ command: "no-such-command-xyz", cwd: dir, env: ENV, timeoutMs: 10_000 });
    expect(r.exitCode).toBe(127);
    expect(r.output).toMatch(/not found/);
  });
});

describe("describeExit", () => {
  const base: ProcessResult = {
    exitCode: 0,
    signal: null,
    timedOut: false,
    aborted: false,
    output: "",
    stdout: "",
    truncated: false,
    durationMs: 1234,
  };
  it("describes each way a process ends", () => {
    expect(describeExit(base)).toBe("exit 0");
    expect(describeExit({ ...base, exitCode: null, signal: "SIGKILL" })).toBe("killed by SIGKILL");
    expect(describeExit({ ...base, exitCode: null, signal: "SIGTERM", timedOut: true })).toBe("timed out after 1.2s");
    expect(describeExit({ ...base, exitCode: null, signal: "SIGTERM", timedOut: true }, 30_000)).toBe("timed out after 30s");
    expect(describeExit({ ...base, exitCode: null, aborted: true, timedOut: true })).toBe("cancelled");
  });
});

describe("timerDelay", () => {
  it("keeps a timeout as it is, makes a negative one 0 and caps one setTimeout would overflow on", () => {
    expect(timerDelay(1500)).toBe(1500);
    expect(timerDelay(-1)).toBe(0);
    expect(timerDelay(2 ** 40)).toBe(2 ** 31 - 1);
  });
});
