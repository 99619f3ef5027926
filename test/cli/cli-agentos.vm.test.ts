import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentOsAvailable } from "../helpers/agentos-vm.js";
import { isolateEngineEnv } from "../helpers/engine-env.js";
import { createBareRemote } from "../helpers/git-remote.js";
import { startMockAnthropic, type MockAnthropic, type MockRequest } from "../helpers/mock-anthropic.js";

/**
 * `fixbot fix --agent agentos` end to end, as a child process: the real workflow (clone, agent, tests on the
 * host, commit, chained review) with pi in real agentOS VMs against a scripted mock of Anthropic's API.
 */
const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "bin", "fixbot.js");
const API_KEY = "sk-ant-cli-test-0123456789abcdefghijkl";
const MODEL = "claude-sonnet-4-5";
const REVIEW = "LGTM from the agentOS reviewer: add() now adds.";

const available = await agentOsAvailable();
let work: string;
let remote: Awaited<ReturnType<typeof createBareRemote>>;
let mock: MockAnthropic;
const env: NodeJS.ProcessEnv = { ...process.env };

/** The fixing session reads, edits, then finishes; the reviewing session (its prompt says so) answers at once. */
function script(_index: number, request: MockRequest) {
  if (request.raw.includes("Review the change below")) return { text: REVIEW };
  const turnsSoFar = (request.body.messages ?? []).filter((m) => m.role === "assistant").length;
  if (turnsSoFar === 0) return { tool: "read", input: { path: "src/calc.js" } };
  if (turnsSoFar === 1) return { tool: "edit", input: { path: "src/calc.js", oldText: "return a - b;", newText: "return a + b;" } };
  return { text: "Fixed add(): it subtracted." };
}

beforeAll(async () => {
  isolateEngineEnv(env);
  work = await mkdtemp(join(tmpdir(), "fixbot-cli-agentos-"));
  env.FIXBOT_DATA_DIR = join(work, "data");
  remote = await createBareRemote({ fixture: join(ROOT, "fixtures", "repos", "calc") });
  await writeFile(join(work, "issue.md"), "# add() returns the wrong result\n\nadd(2, 3) should be 5 but is -1.\n");
  mock = await startMockAnthropic({ apiKey: API_KEY, script });
  Object.assign(env, { ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: mock.url, FIXBOT_MODEL: MODEL });
});

afterAll(async () => {
  await mock?.close();
  await remote?.cleanup();
  await rm(work, { recursive: true, force: true });
});

async function fixbot(args: string[], childEnv: NodeJS.ProcessEnv = env): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: childEnv, timeout: 280_000, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe.skipIf(!available)("fixbot fix --agent agentos", () => {
  it("fixes the fixture bug with pi in agentOS and reviews it in a second session: exit 0, the branch has the fix", async () => {
    const result = await fixbot(["fix", "--repo", remote.url, "--issue-file", join(work, "issue.md"), "--agent", "agentos", "--json", "--verbose"]);
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
    const result = await fixbot(["fix", "--repo", remote.url, "--issue-file", join(work, "issue.md"), "--agent", "agentos"], noKey);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^fixbot: --agent agentos needs ANTHROPIC_API_KEY/);
  });
});
