import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentOsAgent } from "../../../src/agents/agentos/agent.js";
import { agentOsLauncher } from "../../../src/agents/agentos/agentos-launcher.js";
import { AgentError } from "../../../src/agents/types.js";
import { agentOsAvailable, countingLauncher, leftoverSidecars } from "../../helpers/agentos-vm.js";
import { startMockAnthropic, toolResults, type MockAnthropic } from "../../helpers/mock-anthropic.js";

/**
 * The agentOS backend on the real VM (pi inside agentOS) against a scripted mock of Anthropic's API on
 * 127.0.0.1. Each test starts and disposes one VM (~15-30 s here), so they share this one file.
 */
const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..", "..");
const CALC = join(ROOT, "fixtures", "repos", "calc");
const API_KEY = "sk-ant-test-0123456789abcdefghijklmnop";
const GITHUB_TOKEN = "ghs_thisIsTheInstallationTokenNeverForAgents01";
const MODEL = "claude-haiku-4-5";

const available = await agentOsAvailable();
let work: string;
const mocks: MockAnthropic[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "fixbot-agentos-"));
  // The bot's own process env holds the GitHub token: it must never reach the VM.
  process.env.GITHUB_TOKEN = GITHUB_TOKEN;
});

afterAll(async () => {
  delete process.env.GITHUB_TOKEN;
  await Promise.all(mocks.map((m) => m.close()));
  await rm(work, { recursive: true, force: true });
});

async function calcCopy(name: string): Promise<string> {
  const dir = join(work, name);
  await cp(CALC, dir, { recursive: true });
  return dir;
}

async function mock(script: Parameters<typeof startMockAnthropic>[0]["script"]): Promise<MockAnthropic> {
  const m = await startMockAnthropic({ apiKey: API_KEY, script });
  mocks.push(m);
  return m;
}

function agentFor(m: MockAnthropic, launcher: ReturnType<typeof countingLauncher>["launcher"], output: string[] = []) {
  return createAgentOsAgent({
    provider: { apiKey: API_KEY, baseUrl: m.url, model: MODEL },
    scratchDir: join(work, "scratch"),
    secrets: [GITHUB_TOKEN],
    launcher,
    onOutput: (chunk) => output.push(chunk),
  });
}

describe.skipIf(!available)("agentOS backend on the real VM", () => {
  it("fixes the calc bug: pi reads, edits and finishes; the host file changed, the tests pass, session and VM closed", async () => {
    const dir = await calcCopy("fix");
    await expect(run("node", ["--test"], { cwd: dir })).rejects.toThrow();
    const m = await mock([
      { tool: "read", input: { path: "src/calc.js" } },
      { tool: "edit", input: { path: "src/calc.js", oldText: "return a - b;", newText: "return a + b;" } },
      { tool: "bash", input: { command: "env" } },
      { text: "Fixed add() in src/calc.js: it subtracted instead of adding.", usage: { input: 300, output: 40 } },
    ]);
    const { launcher, counts } = countingLauncher();
    const output: string[] = [];
    const result = await agentFor(m, launcher, output).edit({
      workspace: dir,
      task: "Fix add(): add(2, 3) should be 5.",
      attempt: 1,
      timeoutMs: 240_000,
    });

    expect(result).toMatchObject({ exitCode: 0, timedOut: false, summary: "Fixed add() in src/calc.js: it subtracted instead of adding." });
    expect(result.stoppedBy).toBeUndefined();
    expect(await readFile(join(dir, "src", "calc.js"), "utf8")).toContain("return a + b;");
    await run("node", ["--test"], { cwd: dir });
    // Every model request reached the provider with the real key and the configured model; usage is what it reported.
    expect(m.requests).toHaveLength(4);
    expect(m.requests.every((r) => r.apiKey === API_KEY && r.body.model === MODEL)).toBe(true);
    expect(result.usage).toEqual({ turns: 4, inputTokens: 100 * 3 + 300, outputTokens: 20 * 3 + 40 });
    // The prompt carried the task; pi's bash tool saw neither the API key nor the GitHub token.
    expect(JSON.stringify(m.requests[0]!.body.messages)).toContain("add(2, 3) should be 5");
    const envDump = toolResults(m.requests[3]!);
    expect(envDump).toContain("ANTHROPIC_BASE_URL=http://127.0.0.1:");
    expect(envDump).not.toContain(API_KEY);
    expect(envDump).not.toContain(GITHUB_TOKEN);
    expect(envDump).not.toMatch(/GITHUB_TOKEN/);
    expect(output.join("")).toContain("[tool] edit src/calc.js");
    expect(counts).toEqual({ started: 1, opened: 1, closed: 1, disposed: 1 });
    expect(leftoverSidecars()).toEqual([]);
  });

  it("a provider error ends the edit with an AgentError naming it, not with 'no change'; the VM is disposed", async () => {
    const dir = await calcCopy("provider-error");
    const m = await mock([{ error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } }]);
    const { launcher, counts } = countingLauncher();
    const error = await agentFor(m, launcher)
      .edit({ workspace: dir, task: "Fix add().", attempt: 1, timeoutMs: 240_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentError);
    expect((error as Error).message).toContain("The model provider returned an error: 401");
    expect((error as Error).message).toContain("invalid x-api-key");
    expect(await readFile(join(dir, "src", "calc.js"), "utf8")).toContain("return a - b;");
    expect(counts).toMatchObject({ started: 1, disposed: 1 });
    expect(leftoverSidecars()).toEqual([]);
  });

  it("a model that never stops is stopped by the turn budget: stoppedBy turns, the next request never sent, VM disposed", async () => {
    const dir = await calcCopy("never-stops");
    const m = await mock((i) => ({ tool: "bash", input: { command: `echo turn ${i + 1}` } }));
    const { launcher, counts } = countingLauncher();
    const result = await agentFor(m, launcher).edit({
      workspace: dir,
      task: "Fix add().",
      attempt: 1,
      timeoutMs: 240_000,
      budget: { turns: 3 },
    });
    expect(result.stoppedBy).toBe("turns");
    expect(result.usage?.turns).toBe(3);
    expect(m.requests).toHaveLength(3);
    expect(counts).toEqual({ started: 1, opened: 1, closed: 1, disposed: 1 });
    expect(leftoverSidecars()).toEqual([]);
  });

  it("a VM that cannot start gives a clear AgentError and leaves nothing running", async () => {
    const dir = await calcCopy("no-vm");
    const m = await mock([]);
    const real = agentOsLauncher();
    const { launcher, counts } = countingLauncher({ start: (p) => real.start({ ...p, hostDir: join(work, "does-not-exist") }) });
    const error = await agentFor(m, launcher)
      .edit({ workspace: dir, task: "Fix add().", attempt: 1, timeoutMs: 240_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentError);
    expect((error as Error).message).toMatch(/^The agentOS VM did not start: /);
    expect(counts.started).toBe(0);
    expect(m.requests).toHaveLength(0);
    expect(leftoverSidecars()).toEqual([]);
  });

  it("review: a second session gets the fixing agent's result and the diff, reads the changed file in the VM, returns its text", async () => {
    const dir = await calcCopy("review");
    await run("sed", ["-i", "s/a - b/a + b/", join(dir, "src", "calc.js")]);
    const diff =
      "--- a/src/calc.js\n+++ b/src/calc.js\n@@ -1,4 +1,4 @@\n export function add(a, b) {\n-  return a - b;\n+  return a + b;\n }\n";
    const context =
      "## The fixing agent's result\n\nAttempts: 1. Tests (`npm test`) passed.\nAgent summary: Fixed add() in src/calc.js (a - b -> a + b).";
    const review = "LGTM: add() now returns a + b, and the change is limited to src/calc.js.";
    const m = await mock([{ tool: "read", input: { path: "src/calc.js" } }, { text: review }]);
    const { launcher, counts } = countingLauncher();
    const result = await agentFor(m, launcher).review({ workspace: dir, diff, context, timeoutMs: 240_000 });
    // A review reports its usage too: two model responses at the mock's 100 tokens in and 20 out each.
    expect(result).toEqual({ body: review, exitCode: 0, timedOut: false, usage: { turns: 2, inputTokens: 2 * 100, outputTokens: 2 * 20 } });
    const firstPrompt = JSON.stringify(m.requests[0]!.body.messages);
    expect(firstPrompt).toContain("Fixed add() in src/calc.js (a - b -> a + b)");
    expect(firstPrompt).toContain("+  return a + b;");
    expect(toolResults(m.requests[1]!)).toContain("return a + b;");
    expect(counts).toEqual({ started: 1, opened: 1, closed: 1, disposed: 1 });
    expect(leftoverSidecars()).toEqual([]);
  });
});
