import { execFile } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentFactory } from "../../src/agents/factory.js";
import { selectAgent } from "../../src/agents/selection.js";
import type { UsageBudget } from "../../src/agents/usage.js";
import { ensureAgentClis, type AgentClis } from "../helpers/agent-clis.js";
import { startMockAnthropic, type MockAnthropic, type MockReply, type MockRequest } from "../helpers/mock-anthropic.js";
import {
  callsAnswered,
  startMockResponses,
  type MockResponses,
  type ResponsesReply,
  type ResponsesRequest,
} from "../helpers/mock-openai-responses.js";
import { FIXTURES_DIR, testSandbox } from "../helpers/sandbox.js";

/**
 * The claude-code and codex presets with the REAL CLIs (pinned, test/helpers/agent-clis.ts), in the real sandbox,
 * against scripted mock model servers: each fixes the calc fixture's add() through the command contract, fixbot
 * reads its usage from what the CLI prints, and a token budget stops it.
 *
 * The mocks listen on 127.0.0.2, not 127.0.0.1: inside the sandbox 127.0.0.1 is the sandbox's own loopback and is
 * in NO_PROXY, so a CLI would never reach the host's; 127.0.0.2 is the host's loopback too, goes through fixbot's
 * egress proxy, and is let through only because the operator's list names that exact host:port.
 */
const run = promisify(execFile);
const ANTHROPIC_KEY = "sk-ant-real-cli-test-0123456789abcdef";
const OPENAI_KEY = "sk-openai-real-cli-test-0123456789abcdef";
const FILE = "/workspace/src/calc.js";

let clis: AgentClis;
let anthropic: MockAnthropic;
let openai: MockResponses;
let claudeScript: (request: MockRequest) => MockReply = () => ({ text: "unset" });
let codexScript: (request: ResponsesRequest) => ResponsesReply = () => ({ text: "unset" });
const dirs: string[] = [];

beforeAll(async () => {
  clis = await ensureAgentClis();
  anthropic = await startMockAnthropic({ apiKey: ANTHROPIC_KEY, host: "127.0.0.2", script: (_i, request) => claudeScript(request) });
  openai = await startMockResponses({ apiKey: OPENAI_KEY, host: "127.0.0.2", script: (_i, request) => codexScript(request) });
}, 15 * 60_000);

afterAll(async () => {
  await anthropic?.close();
  await openai?.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** One edit attempt with a preset, built the way the bot builds it: config section, selection, agent factory. */
async function editWith(preset: "claude-code" | "codex", budget?: UsageBudget, operatorEnv: Record<string, string> = {}) {
  const root = await mkdtemp(join(tmpdir(), `fixbot-real-${preset}-`));
  dirs.push(root);
  const workspace = join(root, "ws");
  await cp(join(FIXTURES_DIR, "repos", "calc"), workspace, { recursive: true });
  const sandbox = testSandbox(root, {
    roPaths: [FIXTURES_DIR, clis.dir],
    agentHosts: [`127.0.0.2:${anthropic.port}`, `127.0.0.2:${openai.port}`],
  });
  const baseEnv = {
    PATH: `${clis.binDir}:/usr/local/bin:/usr/bin:/bin`,
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    ANTHROPIC_BASE_URL: anthropic.url,
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: openai.url,
    ...operatorEnv,
  };
  const selection = selectAgent({ preset, passEnv: [] }, "edit");
  if (!selection) throw new Error("no selection");
  const agent = createAgentFactory({ baseEnv, sandbox })({
    role: "edit",
    agent: selection,
    scratchDir: join(root, "scratch"),
    secrets: [ANTHROPIC_KEY, OPENAI_KEY],
    sandboxKey: `o/r/${preset}`,
  });
  const result = await agent.edit({
    workspace,
    task: "Fix issue #1: add(2, 3) returns -1; it should add.",
    attempt: 1,
    timeoutMs: 90_000,
    ...(budget ? { budget } : {}),
  });
  return { result, workspace };
}

async function fixtureTestsPass(workspace: string): Promise<boolean> {
  return run("node", ["--test"], { cwd: workspace }).then(
    () => true,
    () => false,
  );
}

const assistantTurns = (r: MockRequest) => (r.body.messages ?? []).filter((m) => m.role === "assistant").length;
const hasTools = (r: MockRequest) => ((r.body as { tools?: unknown[] }).tools ?? []).length > 0;

describe("the claude-code preset with the real Claude Code", () => {
  it("fixes the bug in the sandbox; turns, tokens and cost come from its stream-json output", async () => {
    const before = anthropic.requests.length;
    claudeScript = (r) => {
      if (!hasTools(r)) return { text: "ok" };
      const turn = assistantTurns(r);
      if (turn === 0) return { tool: "Read", input: { file_path: FILE } };
      if (turn === 1) return { tool: "Edit", input: { file_path: FILE, old_string: "return a - b;", new_string: "return a + b;" } };
      return { text: "Fixed add(): it subtracted." };
    };
    const { result, workspace } = await editWith("claude-code");
    expect(result.exitCode, result.summary).toBe(0);
    expect(result.summary).toBe("Fixed add(): it subtracted.");
    expect(await fixtureTestsPass(workspace)).toBe(true);
    const modelCalls = anthropic.requests.slice(before).filter((r) => r.path === "/v1/messages" && hasTools(r)).length;
    expect(modelCalls).toBe(3);
    expect(result.usage).toMatchObject({ turns: 3, inputTokens: 300, outputTokens: 60 });
    expect(result.usage?.costUsd).toBeGreaterThan(0);
    expect(result.stoppedBy).toBeUndefined();
  }, 120_000);

  it("is stopped by a token budget while it runs, and the result says which budget", async () => {
    const before = anthropic.requests.length;
    // A model that never finishes: every answer reads the file again, 1000 input tokens each.
    claudeScript = (r) => (hasTools(r) ? { tool: "Read", input: { file_path: FILE }, usage: { input: 1000, output: 10 } } : { text: "ok" });
    const { result } = await editWith("claude-code", { tokens: 2500 });
    expect(result.stoppedBy).toBe("tokens");
    expect(result.timedOut).toBe(false);
    expect(result.usage?.inputTokens).toBeGreaterThan(2500);
    // Killed at the response that passed the budget: at most one more request was on its way.
    expect(anthropic.requests.slice(before).filter(hasTools).length).toBeLessThanOrEqual(4);
  }, 120_000);
});

describe("the codex preset with the real Codex CLI", () => {
  it("fixes the bug in the sandbox; tokens from its exec --json output, turns from its session log (no cost: Codex prints none)", async () => {
    const before = openai.requests.length;
    codexScript = (r) =>
      callsAnswered(r) === 0
        ? { call: "exec_command", arguments: { cmd: "sed -i 's/a - b/a + b/' src/calc.js" } }
        : { text: "Fixed add(): it subtracted." };
    const { result, workspace } = await editWith("codex");
    expect(result.exitCode, result.summary).toBe(0);
    expect(result.summary).toBe("Fixed add(): it subtracted.");
    expect(await fixtureTestsPass(workspace)).toBe(true);
    expect(openai.requests.length - before).toBe(2);
    expect(openai.requests.slice(before).every((r) => r.authorization === `Bearer ${OPENAI_KEY}`)).toBe(true);
    expect(result.usage).toEqual({ turns: 2, inputTokens: 200, outputTokens: 40 });
  }, 120_000);

  it("is stopped by a token budget while its turn runs (its session log), with the cost from the operator's prices", async () => {
    const before = openai.requests.length;
    // A model that never finishes: every answer runs another command, 950 tokens each.
    codexScript = () => ({ call: "exec_command", arguments: { cmd: "true" }, usage: { input: 900, output: 50 } });
    const { result } = await editWith("codex", { tokens: 2000 }, { FIXBOT_CODEX_PRICES: "input=1.25,output=10" });
    expect(result.stoppedBy).toBe("tokens");
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).not.toBe(0);
    const used = result.usage ?? {};
    expect(used.inputTokens).toBeGreaterThan(1800);
    expect(used.turns).toBe((used.inputTokens ?? 0) / 900);
    expect(used.costUsd).toBeCloseTo(((used.inputTokens ?? 0) * 1.25 + (used.outputTokens ?? 0) * 10) / 1e6, 12);
    // Stopped within a poll of the response that passed the budget, not at the 90 s timeout.
    expect(openai.requests.length - before).toBeLessThan(10);
  }, 120_000);
});
