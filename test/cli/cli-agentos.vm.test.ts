import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentOsAvailable } from "../helpers/agentos-vm.js";
import { createCliLab, type CliLab } from "../helpers/cli-lab.js";
import { startMockAnthropic, type MockAnthropic, type MockRequest } from "../helpers/mock-anthropic.js";

/**
 * `fixbot fix --agent agentos` end to end, as a child process: the real workflow (clone, agent, tests on the
 * host, commit, chained review) with pi in real agentOS VMs against a scripted mock of Anthropic's API.
 */
const run = promisify(execFile);
const API_KEY = "sk-ant-cli-test-0123456789abcdefghijkl";
const MODEL = "claude-sonnet-4-5";
const REVIEW = "LGTM from the agentOS reviewer: add() now adds.";

const available = await agentOsAvailable();
let lab: CliLab;
let env: NodeJS.ProcessEnv;
let remote: CliLab["remote"];
let issueFile: string;
let mock: MockAnthropic;

/** The fixing session reads, edits, then finishes; the reviewing session (its prompt says so) answers at once. */
function script(_index: number, request: MockRequest) {
  if (request.raw.includes("Review the change below")) return { text: REVIEW };
  const turnsSoFar = (request.body.messages ?? []).filter((m) => m.role === "assistant").length;
  if (turnsSoFar === 0) return { tool: "read", input: { path: "src/calc.js" } };
  if (turnsSoFar === 1) return { tool: "edit", input: { path: "src/calc.js", oldText: "return a - b;", newText: "return a + b;" } };
  return { text: "Fixed add(): it subtracted." };
}

beforeAll(async () => {
  lab = await createCliLab("fixbot-cli-agentos");
  ({ env, remote, issueFile } = lab);
  mock = await startMockAnthropic({ apiKey: API_KEY, script });
  Object.assign(env, { ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: mock.url, FIXBOT_MODEL: MODEL });
});

afterAll(async () => {
  await mock?.close();
  await lab?.cleanup();
});

const fixbot = (args: string[], childEnv: NodeJS.ProcessEnv = env) => lab.fixbot(args, { env: childEnv, timeoutMs: 280_000 });

describe.skipIf(!available)("fixbot fix --agent agentos", () => {
  it("fixes the fixture bug with pi in agentOS and reviews it in a second session: exit 0, the branch has the fix", async () => {
    const result = await fixbot(["fix", "--repo", remote.url, "--issue-file", issueFile, "--agent", "agentos", "--json", "--verbose"]);
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    const out = JSON.parse(result.stdout) as Record<string, any>;
    expect(out).toMatchObject({ status: "fixed", attempts: 1, branch: "fixbot/add-returns-the-wrong-result" });
    expect(out.tests).toMatchObject({ passed: true, command: "npm test" });
    expect(out.review).toBe(REVIEW);
    const { stdout: file } = await run("git", ["-C", out.workspace, "show", `${out.branch}:src/calc.js`]);
    expect(file).toContain("return a + b;");
    // Both sessions used the operator's model and key; the fixing agent's VM was disposed inside its step (its
    // output is logged with --verbose; the review's disposal is asserted in test/agents/agentos/agentos.vm.test.ts).
    expect(mock.requests.length).toBe(4);
    expect(mock.requests.every((r) => r.apiKey === API_KEY && r.body.model === MODEL)).toBe(true);
    expect(result.stderr).toContain("session closed and VM disposed");
    expect(result.stderr).not.toContain(API_KEY);
  });

  it("exits 2 with a one-line reason when ANTHROPIC_API_KEY is missing", async () => {
    const { ANTHROPIC_API_KEY: _key, ...noKey } = env;
    const result = await fixbot(["fix", "--repo", remote.url, "--issue-file", issueFile, "--agent", "agentos"], noKey);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^fixbot: --agent agentos needs ANTHROPIC_API_KEY/);
  });
});
