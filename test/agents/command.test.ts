import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCommandAgent } from "../../src/agents/command.js";
import { AgentError } from "../../src/agents/types.js";
import { testSandbox } from "../helpers/sandbox.js";

const GH_TOKEN_VALUE = `ghs_${"Q7w".repeat(12)}`;
const BASE_ENV = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: "/nonexistent-home",
  GITHUB_TOKEN: GH_TOKEN_VALUE,
  GH_TOKEN: GH_TOKEN_VALUE,
  ANTHROPIC_API_KEY: "test-anthropic-key",
  UNRELATED: "not passed",
};

let root: string;
let workspace: string;
let scratch: string;
let out: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "fixbot-cmd-"));
  workspace = join(root, "ws");
  scratch = join(root, "scratch");
  out = join(root, "out");
  await Promise.all([mkdir(workspace), mkdir(out)]);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function agent(command: string, extra: Partial<Parameters<typeof createCommandAgent>[0]> = {}) {
  // The contract itself, with host paths: the sandboxed form of the same contract is tested in test/sandbox/.
  return createCommandAgent({
    command,
    baseEnv: BASE_ENV,
    scratchDir: scratch,
    sandbox: testSandbox(root, { enabled: false }),
    sandboxKey: "o/r/1",
    ...extra,
  });
}

function readEnvDump(path: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) env.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return env;
}

describe("command agent: edit", () => {
  it("gets the task on stdin and in FIXBOT_TASK_FILE, with the documented env and no GitHub token", async () => {
    const a = agent(
      `cat > '${out}/stdin.txt'; cp "$FIXBOT_TASK_FILE" '${out}/task.txt'; env > '${out}/env.txt'; pwd > '${out}/pwd'; echo "  fixed it  "`,
      { passEnv: ["ANTHROPIC_API_KEY", "GITHUB_TOKEN"] },
    );
    const r = await a.edit({ workspace, task: "Fix the bug\nin foo()", attempt: 1, timeoutMs: 10_000 });

    expect(a.kind).toBe("command");
    expect(r).toEqual({ summary: "fixed it", exitCode: 0, timedOut: false });
    expect(await readFile(join(out, "stdin.txt"), "utf8")).toBe("Fix the bug\nin foo()");
    expect(await readFile(join(out, "task.txt"), "utf8")).toBe("Fix the bug\nin foo()");
    expect((await readFile(join(out, "pwd"), "utf8")).trim()).toBe(workspace);

    const env = readEnvDump(join(out, "env.txt"));
    expect(env.get("FIXBOT_MODE")).toBe("edit");
    expect(env.get("FIXBOT_ATTEMPT")).toBe("1");
    expect(env.get("FIXBOT_WORKSPACE")).toBe(workspace);
    expect(env.has("FIXBOT_FEEDBACK_FILE")).toBe(false);
    expect(env.get("ANTHROPIC_API_KEY")).toBe("test-anthropic-key");
    expect(env.get("GIT_TERMINAL_PROMPT")).toBe("0");
    expect(env.has("GITHUB_TOKEN")).toBe(false);
    expect(env.has("GH_TOKEN")).toBe(false);
    expect(env.has("UNRELATED")).toBe(false);
    expect(readFileSync(join(out, "env.txt"), "utf8")).not.toContain(GH_TOKEN_VALUE);

    // The task file lived under scratchDir, not in the workspace, and is gone.
    const taskFile = env.get("FIXBOT_TASK_FILE") ?? "";
    expect(taskFile.startsWith(scratch)).toBe(true);
    expect(existsSync(taskFile)).toBe(false);
    expect(await readdir(workspace)).toEqual([]);
    expect(await readdir(scratch)).toEqual([]);
  });

  it("sets FIXBOT_FEEDBACK_FILE only on retries, with the previous failure in it", async () => {
    const a = agent(
      `echo "attempt=$FIXBOT_ATTEMPT feedback=\${FIXBOT_FEEDBACK_FILE-unset}"; [ -n "$FIXBOT_FEEDBACK_FILE" ] && cat "$FIXBOT_FEEDBACK_FILE"; true`,
    );
    const first = await a.edit({ workspace, task: "t", attempt: 1, timeoutMs: 10_000 });
    expect(first.summary).toBe("attempt=1 feedback=unset");

    const second = await a.edit({ workspace, task: "t", attempt: 2, feedback: "FAIL test/foo.test.ts\nexpected 1", timeoutMs: 10_000 });
    expect(second.summary).toMatch(new RegExp(`^attempt=2 feedback=${scratch}/.+/feedback.txt\nFAIL test/foo.test.ts\nexpected 1$`));
    expect(await readdir(scratch)).toEqual([]);
  });

  it("reports a non-zero exit instead of throwing, and keeps the tail of stdout as summary", async () => {
    const r = await agent(`seq 1 3000; echo "last line"; echo oops >&2; exit 2`).edit({
      workspace,
      task: "t",
      attempt: 1,
      timeoutMs: 10_000,
    });
    expect(r.exitCode).toBe(2);
    expect(r.timedOut).toBe(false);
    expect(r.summary.length).toBeLessThanOrEqual(2000);
    expect(r.summary.endsWith("2999\n3000\nlast line")).toBe(true);
    expect(r.summary).not.toContain("oops");
  });

  it("redacts secrets from the summary and streamed output", async () => {
    const chunks: string[] = [];
    const r = await agent(`echo "key is my-api-secret-value"; echo "${GH_TOKEN_VALUE}"`, {
      secrets: ["my-api-secret-value"],
      onOutput: (c) => chunks.push(c),
    }).edit({ workspace, task: "t", attempt: 1, timeoutMs: 10_000 });
    expect(r.summary).toBe("key is ***\n***");
    expect(chunks.join("")).toBe("key is ***\n***\n");
  });

  it("kills the command's process group on timeout", async () => {
    const r = await agent(`sleep 300 & echo $! > '${out}/pid'; wait`).edit({
      workspace,
      task: "t",
      attempt: 1,
      timeoutMs: 400,
    });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBe(128 + 15);
    const pid = Number(readFileSync(join(out, "pid"), "utf8"));
    expect(isAlive(pid)).toBe(false);
    expect(await readdir(scratch)).toEqual([]);
  });

  it("stops and throws the abort reason when the signal aborts", async () => {
    const ac = new AbortController();
    const editing = agent(`sleep 300 & echo $! > '${out}/pid'; echo started; wait`, {
      onOutput: (c) => {
        if (c.includes("started")) ac.abort(new Error("run cancelled"));
      },
    }).edit({ workspace, task: "t", attempt: 1, timeoutMs: 60_000, signal: ac.signal });
    await expect(editing).rejects.toThrow("run cancelled");
    const pid = Number(readFileSync(join(out, "pid"), "utf8"));
    expect(isAlive(pid)).toBe(false);
    expect(await readdir(scratch)).toEqual([]);
  });

  it("throws AgentError when the workspace is missing or contains the scratch dir", async () => {
    await expect(agent("true").edit({ workspace: join(root, "missing"), task: "t", attempt: 1, timeoutMs: 1000 })).rejects.toBeInstanceOf(
      AgentError,
    );
    const inside = createCommandAgent({
      command: "true",
      scratchDir: join(workspace, ".fixbot"),
      sandbox: testSandbox(root, { enabled: false }),
      sandboxKey: "o/r/1",
    });
    await expect(inside.edit({ workspace, task: "t", attempt: 1, timeoutMs: 1000 })).rejects.toThrow(/inside the workspace/);
  });
});

describe("command agent: review", () => {
  it("gets the diff in FIXBOT_DIFF_FILE, context on stdin and in the task file; stdout is the review", async () => {
    const diff = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n";
    const r = await agent(
      `echo "mode=$FIXBOT_MODE"; echo "## Diff"; cat "$FIXBOT_DIFF_FILE"; echo "## Stdin"; cat; echo; echo "## File"; cat "$FIXBOT_TASK_FILE"; echo "$FIXBOT_DIFF_FILE" > '${out}/diffpath'; echo "${GH_TOKEN_VALUE}"`,
    ).review({ workspace, diff, context: "Issue #1: fix x", timeoutMs: 10_000 });
    expect(r.exitCode).toBe(0);
    expect(r.timedOut).toBe(false);
    expect(r.body).toBe(`mode=review\n## Diff\n${diff}## Stdin\nIssue #1: fix x\n## File\nIssue #1: fix x***`);
    const diffPath = (await readFile(join(out, "diffpath"), "utf8")).trim();
    expect(diffPath.startsWith(scratch)).toBe(true);
    expect(existsSync(diffPath)).toBe(false);
    expect(await readdir(workspace)).toEqual([]);
  });

  it("reports the usage the review command wrote to FIXBOT_USAGE_FILE, as an edit does; none when it wrote none", async () => {
    const diff = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n";
    const counted = await agent(
      `echo '{"turns":1,"inputTokens":700,"outputTokens":50,"costUsd":0.002}' > "$FIXBOT_USAGE_FILE"; echo looks fine`,
    ).review({ workspace, diff, context: "c", timeoutMs: 10_000 });
    expect(counted).toMatchObject({ body: "looks fine", usage: { turns: 1, inputTokens: 700, outputTokens: 50, costUsd: 0.002 } });
    const silent = await agent("echo looks fine").review({ workspace, diff, context: "c", timeoutMs: 10_000 });
    expect(silent.usage).toBeUndefined();
  });
});

/** Alive: signalable and not a zombie (kill(pid, 0) succeeds on a zombie that pid 1 has not reaped yet). */
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
    return !existsSync("/proc/self");
  }
}
