import { describe, expect, it } from "vitest";
import { agentOsEnvFor, parseFixArgs, parseIssueText, UsageError } from "../../src/cli/args.js";

const REQUIRED = ["--repo", "./calc", "--issue-file", "issue.md", "--agent-command", "my-agent --fix"];

function usageErrorOf(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    const usage = error as UsageError;
    expect(usage.name).toBe("UsageError");
    expect(usage.message).not.toContain("\n");
    return usage;
  }
  throw new Error("expected a UsageError");
}

describe("parseFixArgs: required flags", () => {
  it("--repo is required", () => {
    expect(usageErrorOf(() => parseFixArgs([])).message).toMatch(/^--repo is required/);
  });

  it("--issue-file is required", () => {
    expect(usageErrorOf(() => parseFixArgs(["--repo", "."])).message).toMatch(/^--issue-file is required/);
  });

  it("--agent-command (or an --agent preset) is required", () => {
    expect(usageErrorOf(() => parseFixArgs(["--repo", ".", "--issue-file", "i.md"])).message).toMatch(
      /^--agent-command \(or --agent <name>\) is required/,
    );
  });

  it("--agent takes a preset for both the fix and the review; unknown presets are refused", () => {
    const args = parseFixArgs(["--repo", ".", "--issue-file", "i.md", "--agent", "claude-code"]);
    expect(args.config.agent.preset).toBe("claude-code");
    expect(args.config.review.preset).toBe("claude-code");
    expect(usageErrorOf(() => parseFixArgs(["--repo", ".", "--issue-file", "i.md", "--agent", "gpt"])).message).toContain(
      "--agent must be one of claude-code, codex, aider",
    );
  });

  it("--agent agentos selects agentOS for the fix and the review; --review-command still wins for the review", () => {
    const args = parseFixArgs(["--repo", ".", "--issue-file", "i.md", "--agent", "agentos"]);
    expect(args.config.agent).toEqual({ backend: "agentos", passEnv: [] });
    expect(args.config.review).toEqual({ backend: "agentos", passEnv: [] });
    const mixed = parseFixArgs(["--repo", ".", "--issue-file", "i.md", "--agent", "agentos", "--review-command", "./review.sh"]);
    expect(mixed.config.review).toEqual({ command: "./review.sh", passEnv: [] });
    expect(
      usageErrorOf(() => parseFixArgs(["--repo", ".", "--issue-file", "i.md", "--agent", "agentos", "--agent-command", "x"])).message,
    ).toMatch(/^--agent-command: command is for the command backend/);
  });

  it("--agent agentos reads the key, endpoint and model from the environment, and needs the key", () => {
    const { config } = parseFixArgs(["--repo", ".", "--issue-file", "i.md", "--agent", "agentos"]);
    expect(
      agentOsEnvFor(config, {
        ANTHROPIC_API_KEY: "sk-x",
        ANTHROPIC_BASE_URL: "http://127.0.0.1:9/",
        FIXBOT_MODEL: "claude-haiku-4-5",
        GITHUB_TOKEN: "t",
      }),
    ).toEqual({
      ANTHROPIC_API_KEY: "sk-x",
      ANTHROPIC_BASE_URL: "http://127.0.0.1:9/",
      FIXBOT_MODEL: "claude-haiku-4-5",
    });
    expect(usageErrorOf(() => agentOsEnvFor(config, {})).message).toMatch(/^--agent agentos needs ANTHROPIC_API_KEY/);
    expect(usageErrorOf(() => agentOsEnvFor(config, { ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: "not a url" })).message).toContain(
      "ANTHROPIC_BASE_URL",
    );
    // A command agent needs none of it.
    expect(agentOsEnvFor(parseFixArgs(REQUIRED).config, {})).toBeUndefined();
  });

  it("unknown flags and positionals are one-line usage errors", () => {
    expect(usageErrorOf(() => parseFixArgs([...REQUIRED, "--bogus"])).message).toContain("--bogus");
    expect(usageErrorOf(() => parseFixArgs([...REQUIRED, "extra"])).message).toContain("extra");
  });

  it("a flag missing its value is a usage error", () => {
    usageErrorOf(() => parseFixArgs(["--issue-file", "i.md", "--agent-command", "a", "--repo"]));
  });
});

describe("parseFixArgs: values", () => {
  it("returns the paths, flags and a config with defaults", () => {
    const args = parseFixArgs(REQUIRED);
    expect(args).toMatchObject({ repo: "./calc", issueFile: "issue.md", fresh: false, json: false, verbose: false });
    expect(args.config.agent.command).toBe("my-agent --fix");
    expect(args.config.review.command).toBeUndefined();
    expect(args.config.maxAttempts).toBe(3);
    expect(args.config.timeouts).toEqual({ clone: 300, agent: 1200, tests: 900, review: 600 });
    expect(args.config.testCommand).toBeUndefined();
  });

  it("maps every option into the config", () => {
    const args = parseFixArgs([
      ...REQUIRED,
      "--review-command",
      "reviewer",
      "--test-command",
      "make test",
      "--setup-command",
      "npm ci",
      "--max-attempts",
      "5",
      "--agent-timeout",
      "60",
      "--test-timeout",
      "120",
      "--fresh",
      "--json",
      "--verbose",
    ]);
    expect(args.config).toMatchObject({
      testCommand: "make test",
      setupCommand: "npm ci",
      maxAttempts: 5,
      agent: { command: "my-agent --fix" },
      review: { command: "reviewer" },
      timeouts: { agent: 60, tests: 120, clone: 300, review: 600 },
    });
    expect(args).toMatchObject({ fresh: true, json: true, verbose: true });
  });

  it("--max-attempts 0 is rejected naming --max-attempts", () => {
    const message = usageErrorOf(() => parseFixArgs([...REQUIRED, "--max-attempts", "0"])).message;
    expect(message).toContain("--max-attempts");
    expect(message).not.toContain("maxAttempts");
    expect(message).not.toContain("`");
  });

  it('--max-attempts "x" is rejected naming --max-attempts', () => {
    const message = usageErrorOf(() => parseFixArgs([...REQUIRED, "--max-attempts", "x"])).message;
    expect(message).toContain("--max-attempts");
    expect(message).toContain('"x"');
  });

  it("--max-attempts above 10 and fractional values are rejected", () => {
    expect(usageErrorOf(() => parseFixArgs([...REQUIRED, "--max-attempts", "11"])).message).toContain("--max-attempts");
    expect(usageErrorOf(() => parseFixArgs([...REQUIRED, "--max-attempts", "2.5"])).message).toContain("--max-attempts");
  });

  it("a non-numeric timeout is rejected naming its flag", () => {
    expect(usageErrorOf(() => parseFixArgs([...REQUIRED, "--agent-timeout", "soon"])).message).toContain("--agent-timeout");
    expect(usageErrorOf(() => parseFixArgs([...REQUIRED, "--test-timeout", "1m"])).message).toContain("--test-timeout");
  });

  it("an out-of-range timeout is rejected naming its flag", () => {
    expect(usageErrorOf(() => parseFixArgs([...REQUIRED, "--agent-timeout", "2"])).message).toContain("--agent-timeout");
    expect(usageErrorOf(() => parseFixArgs([...REQUIRED, "--test-timeout", "1"])).message).toContain("--test-timeout");
  });
});

describe("parseIssueText", () => {
  it("markdown: the first heading line is the title, the rest the body", () => {
    expect(parseIssueText("\n# add() subtracts\n\nCalling add(1, 2) returns -1.\n\nSee math.js.\n")).toEqual({
      title: "add() subtracts",
      body: "Calling add(1, 2) returns -1.\n\nSee math.js.",
    });
  });

  it("markdown: a first line without # is still the title", () => {
    expect(parseIssueText("Crash on startup\nstack trace")).toEqual({ title: "Crash on startup", body: "stack trace" });
  });

  it("markdown: deeper headings and CRLF line endings", () => {
    expect(parseIssueText("### Title here\r\nbody\r\n").title).toBe("Title here");
  });

  it("markdown: a title-only file has an empty body", () => {
    expect(parseIssueText("# Only a title")).toEqual({ title: "Only a title", body: "" });
  });

  it("JSON: title and body", () => {
    expect(parseIssueText(JSON.stringify({ title: "  Fix it ", body: "details" }))).toEqual({ title: "Fix it", body: "details" });
  });

  it("JSON: a missing or non-string body becomes empty", () => {
    expect(parseIssueText('{"title":"T"}')).toEqual({ title: "T", body: "" });
    expect(parseIssueText('{"title":"T","body":42}')).toEqual({ title: "T", body: "" });
  });

  it("an empty file is a usage error", () => {
    expect(usageErrorOf(() => parseIssueText("  \n\t\n")).message).toMatch(/empty/);
  });

  it("JSON without a title is a usage error naming title", () => {
    expect(usageErrorOf(() => parseIssueText('{"body":"x"}')).message).toContain('"title"');
    expect(usageErrorOf(() => parseIssueText('{"title":"  "}')).message).toContain('"title"');
    expect(usageErrorOf(() => parseIssueText('{"title":7}')).message).toContain('"title"');
  });

  it("invalid JSON is a usage error saying so", () => {
    expect(usageErrorOf(() => parseIssueText("{ title: nope")).message).toMatch(/not valid JSON/);
  });
});
