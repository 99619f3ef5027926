import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCliLab, type CliLab } from "../helpers/cli-lab.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const AGENTS = join(ROOT, "fixtures", "agents");

let lab: CliLab;
let env: NodeJS.ProcessEnv;
let remote: CliLab["remote"];
let issueFile: string;
let work: string;
const fixbot = (args: string[]) => lab.fixbot(args);

beforeAll(async () => {
  lab = await createCliLab("fixbot-cli");
  ({ env, remote, issueFile, work } = lab);
});

afterAll(async () => {
  await lab?.cleanup();
});

describe("the fixbot command", () => {
  it("fixes the fixture bug with a command agent: exit 0, JSON result, a local branch whose tests pass", async () => {
    const result = await fixbot([
      "fix",
      "--repo",
      remote.url,
      "--issue-file",
      issueFile,
      "--agent-command",
      join(AGENTS, "fix-calc-second-try.sh"),
      "--review-command",
      join(AGENTS, "review.sh"),
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as Record<string, any>;
    expect(out.status).toBe("fixed");
    expect(out.attempts).toBe(2);
    expect(out.branch).toBe("fixbot/add-returns-the-wrong-result");
    expect(out.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(out.tests).toMatchObject({ passed: true, command: "npm test" });
    expect(out.tests.outputTail).toContain("# pass 3");
    expect(out.review).toContain("Reviewed 1 file(s): src/calc.js");
    expect(out.workspace.startsWith(env.FIXBOT_DATA_DIR!)).toBe(true);
    // The branch is real: it holds the fix and its tests pass.
    const { stdout: head } = await run("git", ["-C", out.workspace, "rev-parse", out.branch]);
    expect(head.trim()).toBe(out.commit);
    const { stdout: file } = await run("git", ["-C", out.workspace, "show", `${out.branch}:src/calc.js`]);
    expect(file).toContain("a + b");
    // The workspace is fixbot's clean (bare) repository: check the branch out elsewhere and run its tests.
    const checkout = join(work, "checkout");
    await run("git", ["clone", "-q", "--branch", out.branch, out.workspace, checkout]);
    await run("npm", ["test"], { cwd: checkout });
    // Progress went to stderr, the result alone to stdout.
    expect(result.stderr).toContain("Run the tests (attempt 2)");
  });

  it("exits 1 and says so when the agent changes nothing", async () => {
    const result = await fixbot(["fix", "--repo", remote.url, "--issue-file", issueFile, "--agent-command", join(AGENTS, "no-change.sh")]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("the agent made NO change");
  });

  it("exits 2 with a one-line reason on bad input", async () => {
    const missing = await fixbot(["fix", "--issue-file", issueFile, "--agent-command", "true"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toContain("--repo is required");
    const badAttempts = await fixbot([
      "fix",
      "--repo",
      remote.url,
      "--issue-file",
      issueFile,
      "--agent-command",
      "true",
      "--max-attempts",
      "0",
    ]);
    expect(badAttempts.code).toBe(2);
    expect(badAttempts.stderr).toContain("--max-attempts");
    const noFile = await fixbot(["fix", "--repo", remote.url, "--issue-file", join(work, "nope.md"), "--agent-command", "true"]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain("no such file");
  });
});
