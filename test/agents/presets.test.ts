import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createCommandAgent } from "../../src/agents/command.js";
import { AGENT_PRESET_NAMES, AGENT_PRESETS, resolveAgent } from "../../src/agents/presets.js";
import { testSandbox } from "../helpers/sandbox.js";

const ROOT = join(import.meta.dirname, "..", "..");
const STANDINS = join(ROOT, "fixtures", "standins");
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** What each stand-in prints, read back: Claude Code's result line (cache reads count as input), Codex's turn.completed. */
const STANDIN_USAGE = {
  "claude-code": { turns: 2, inputTokens: 2900, outputTokens: 90, costUsd: 0.0123 },
  codex: { inputTokens: 5000, outputTokens: 400 },
  aider: undefined,
};

describe("resolveAgent", () => {
  it("an explicit command wins; a preset brings its command and its API key variables", () => {
    expect(resolveAgent({ command: "my-agent", preset: "codex", passEnv: [] }, "edit")).toEqual({ command: "my-agent", passEnv: [] });
    expect(resolveAgent({ preset: "claude-code", passEnv: ["EXTRA"] }, "review")).toEqual({
      command: AGENT_PRESETS["claude-code"].review,
      passEnv: ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "EXTRA"],
      output: "claude-stream-json",
    });
    expect(resolveAgent({ preset: "codex", passEnv: [] }, "edit")).toMatchObject({ output: "codex-json" });
    expect(resolveAgent({ preset: "aider", passEnv: [] }, "edit")).not.toHaveProperty("output");
    expect(resolveAgent({ passEnv: [] }, "edit")).toEqual({ passEnv: [] });
  });
});

describe.each(AGENT_PRESET_NAMES)("the %s preset, run against a stand-in executable honouring the real CLI's arguments", (name) => {
  async function setup() {
    const root = await mkdtemp(join(tmpdir(), `fixbot-preset-${name}-`));
    dirs.push(root);
    const workspace = join(root, "ws");
    await cp(join(ROOT, "fixtures", "repos", "calc"), workspace, { recursive: true });
    const log = join(root, "log");
    await import("node:fs/promises").then((fs) => fs.mkdir(log));
    const baseEnv = {
      PATH: `${STANDINS}:${process.env.PATH}`,
      HOME: root,
      STANDIN_LOG: log,
      GITHUB_TOKEN: "ghs_must_not_leak_000000000000000000",
    };
    return { root, workspace, log, baseEnv };
  }

  it("edits the workspace from a prompt holding the task and, on a retry, the failing test output", async () => {
    const { root, workspace, log, baseEnv } = await setup();
    const agent = createCommandAgent({
      command: AGENT_PRESETS[name].edit,
      output: resolveAgent({ preset: name, passEnv: [] }, "edit").output,
      baseEnv,
      passEnv: ["STANDIN_LOG"],
      scratchDir: join(root, "scratch"),
      sandbox: testSandbox(root, { enabled: false }),
      sandboxKey: "o/r/1",
    });
    const result = await agent.edit({
      workspace,
      task: "Fix issue #1: add() subtracts",
      attempt: 2,
      feedback: "TESTS FAILED: expected 5, got -1",
      timeoutMs: 30_000,
    });
    expect(result.exitCode, result.summary).toBe(0);
    expect(result.summary).toBe(`${name === "claude-code" ? "claude" : name} stand-in: fixed add()`);
    expect(result.usage).toEqual(STANDIN_USAGE[name]);
    expect(await readFile(join(workspace, "src", "calc.js"), "utf8")).toContain("a + b");
    const prompt = await readFile(join(log, `${name === "claude-code" ? "claude" : name}.edit.prompt`), "utf8");
    expect(prompt).toContain("Fix issue #1: add() subtracts");
    expect(prompt).toContain("TESTS FAILED: expected 5, got -1");
  });

  it("reviews from a prompt holding the context and the diff, printing the review on stdout", async () => {
    const { root, workspace, log, baseEnv } = await setup();
    const agent = createCommandAgent({
      command: AGENT_PRESETS[name].review,
      output: resolveAgent({ preset: name, passEnv: [] }, "review").output,
      baseEnv,
      passEnv: ["STANDIN_LOG"],
      scratchDir: join(root, "scratch"),
      sandbox: testSandbox(root, { enabled: false }),
      sandboxKey: "o/r/1",
    });
    const diff = "--- a/src/calc.js\n+++ b/src/calc.js\n@@ -1 +1 @@\n-  return a - b;\n+  return a + b;\n";
    const result = await agent.review({ workspace, diff, context: "Review the fix for #1", timeoutMs: 30_000 });
    expect(result.exitCode).toBe(0);
    expect(result.body).toMatch(/^(claude|codex|aider) stand-in review/);
    // The review's usage is read from the CLI's machine-readable output, as an edit's is.
    expect(result.usage).toEqual(STANDIN_USAGE[name]);
    const prompt = await readFile(join(log, `${name === "claude-code" ? "claude" : name}.review.prompt`), "utf8");
    expect(prompt).toContain("Review the fix for #1");
    expect(prompt).toContain("+  return a + b;");
    expect(await readFile(join(workspace, "src", "calc.js"), "utf8")).toContain("a - b");
  });
});
