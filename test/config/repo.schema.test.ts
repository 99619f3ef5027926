import { describe, expect, it } from "vitest";
import { parseRepoConfig, type RepoConfig } from "../../src/config/repo.schema.js";

function problemsOf(raw: unknown): string[] {
  const result = parseRepoConfig(raw);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
  return result.problems;
}

function configOf(raw: unknown): RepoConfig {
  const result = parseRepoConfig(raw);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be accepted: ${result.problems.join("; ")}`);
  return result.config;
}

const DEFAULTS: RepoConfig = {
  label: "fixbot",
  budgets: { runMinutes: 120, turns: 300, tokens: 5_000_000, costUsd: 25 },
  maxAttempts: 3,
  draftOnFailure: false,
  sandbox: { network: "default" },
  instructions: "",
  timeouts: { clone: 300, agent: 1200, tests: 900, review: 600 },
  agent: { passEnv: [] },
  review: { passEnv: [] },
};

describe("parseRepoConfig defaults", () => {
  it("fills every default for an empty object", () => {
    expect(configOf({})).toEqual(DEFAULTS);
  });

  it("treats a missing file (undefined) and an empty YAML document (null) as {}", () => {
    expect(configOf(undefined)).toEqual(DEFAULTS);
    expect(configOf(null)).toEqual(DEFAULTS);
  });

  it("leaves the optional commands unset so the test command can be detected", () => {
    const config = configOf({});
    expect(config.testCommand).toBeUndefined();
    expect(config.setupCommand).toBeUndefined();
    expect(config.agent.command).toBeUndefined();
    expect(config.review.command).toBeUndefined();
  });

  it("fills the remaining timeouts when only one is given", () => {
    expect(configOf({ timeouts: { agent: 60 } }).timeouts).toEqual({ clone: 300, agent: 60, tests: 900, review: 600 });
  });

  it("fills passEnv when only the agent command is given", () => {
    expect(configOf({ agent: { command: "my-agent" } }).agent).toEqual({ command: "my-agent", passEnv: [] });
  });
});

describe("parseRepoConfig with a full valid config", () => {
  it("keeps every field as given", () => {
    const full: RepoConfig = {
      label: "autofix",
      budgets: { runMinutes: 30, turns: 50, tokens: 200_000, costUsd: 2.5 },
      testCommand: "pnpm test",
      setupCommand: "pnpm install --frozen-lockfile",
      sandbox: { network: "default", allow: ["registry.npmjs.org"] },
      maxAttempts: 5,
      draftOnFailure: true,
      instructions: "Keep the public API stable.",
      timeouts: { clone: 60, agent: 3600, tests: 600, review: 120 },
      agent: { command: "claude -p", passEnv: ["ANTHROPIC_API_KEY", "_PRIVATE_1"] },
      review: { command: "codex review", passEnv: ["OPENAI_API_KEY"] },
    };
    expect(configOf(full)).toEqual(full);
  });

  it("accepts the bounds of maxAttempts", () => {
    expect(configOf({ maxAttempts: 1 }).maxAttempts).toBe(1);
    expect(configOf({ maxAttempts: 10 }).maxAttempts).toBe(10);
  });
});

describe("parseRepoConfig problems name the field and the expected form", () => {
  it("maxAttempts: 0 names maxAttempts and the minimum", () => {
    const problems = problemsOf({ maxAttempts: 0 });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("maxAttempts");
    expect(problems[0]).toMatch(/greater than or equal to 1/);
  });

  it("maxAttempts: 11 names maxAttempts and the maximum", () => {
    const [problem] = problemsOf({ maxAttempts: 11 });
    expect(problem).toContain("maxAttempts");
    expect(problem).toMatch(/less than or equal to 10/);
  });

  it('maxAttempts: "three" names maxAttempts and says a number is expected', () => {
    const [problem] = problemsOf({ maxAttempts: "three" });
    expect(problem).toContain("maxAttempts");
    expect(problem).toMatch(/expected number/i);
  });

  it("maxAttempts: 1.5 says an integer is expected", () => {
    const [problem] = problemsOf({ maxAttempts: 1.5 });
    expect(problem).toContain("maxAttempts");
    expect(problem).toMatch(/integer/i);
  });

  it("an unknown top-level key is named as an unknown field", () => {
    const [problem] = problemsOf({ maxAttempt: 3 });
    expect(problem).toMatch(/unknown field/);
    expect(problem).toContain("`maxAttempt`");
    expect(problem).toContain("top level");
  });

  it("an unknown key under timeouts names timeouts and the key", () => {
    const [problem] = problemsOf({ timeouts: { agent: 60, test: 60 } });
    expect(problem).toMatch(/^timeouts\b/);
    expect(problem).toMatch(/unknown field/);
    expect(problem).toContain("`test`");
  });

  it("an unknown key under agent names agent and the key", () => {
    const [problem] = problemsOf({ agent: { cmd: "x" } });
    expect(problem).toMatch(/^agent\b/);
    expect(problem).toContain("`cmd`");
  });

  it("a timeout below the minimum names the nested path", () => {
    const [problem] = problemsOf({ timeouts: { agent: 3 } });
    expect(problem).toContain("timeouts.agent");
    expect(problem).toMatch(/greater than or equal to 5/);
  });

  it("a wrongly typed boolean names the field", () => {
    const [problem] = problemsOf({ draftOnFailure: "yes" });
    expect(problem).toContain("draftOnFailure");
    expect(problem).toMatch(/expected boolean/i);
  });

  it("an empty label names label", () => {
    const [problem] = problemsOf({ label: "" });
    expect(problem).toContain("label");
    expect(problem).toMatch(/at least 1 character/);
  });

  it("a bad passEnv name names the field and its index", () => {
    const problems = problemsOf({ agent: { passEnv: ["GOOD_NAME", "1BAD-NAME"] } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("agent.passEnv.1");
  });

  it("a bad passEnv name says what an environment variable name must look like", () => {
    const [problem] = problemsOf({ review: { passEnv: ["has space"] } });
    expect(problem).toContain("review.passEnv.0");
    expect(problem).not.toMatch(/:\s*Invalid$/);
    expect(problem).toMatch(/underscore|\[A-Za-z_\]/i);
  });

  it("reports every problem, one line each", () => {
    const problems = problemsOf({ maxAttempts: 0, label: "", extra: true });
    expect(problems).toHaveLength(3);
    for (const p of problems) expect(p).not.toContain("\n");
  });

  it("rejects a non-object document at the top level", () => {
    const [problem] = problemsOf(["label"]);
    expect(problem).toContain("top level");
    expect(problem).toMatch(/expected object/i);
  });
});

describe("parseRepoConfig: the agent backend", () => {
  it("backend: agentos with a model selects agentOS for the agent and the review", () => {
    const config = configOf({ agent: { backend: "agentos", model: "claude-sonnet-4-5" }, review: { backend: "agentos" } });
    expect(config.agent).toEqual({ backend: "agentos", model: "claude-sonnet-4-5", passEnv: [] });
    expect(config.review).toEqual({ backend: "agentos", passEnv: [] });
  });

  it("an unknown backend names the field and the choices", () => {
    expect(problemsOf({ agent: { backend: "docker" } })).toEqual([expect.stringMatching(/^`agent\.backend`: .*'command' \| 'agentos'/)]);
  });

  it("command settings under backend: agentos are refused by name, and model without agentOS too", () => {
    expect(problemsOf({ agent: { backend: "agentos", command: "x" } })).toEqual([
      "`agent.command`: `command` is for the command backend: remove it, or remove `backend: agentos`",
    ]);
    expect(problemsOf({ review: { backend: "agentos", preset: "codex" } })).toEqual([
      "`review.preset`: `preset` is for the command backend: remove it, or remove `backend: agentos`",
    ]);
    expect(problemsOf({ agent: { backend: "agentos", passEnv: ["ANTHROPIC_API_KEY"] } })[0]).toMatch(
      /^`agent\.passEnv`: `passEnv` does not apply to `backend: agentos`/,
    );
    expect(problemsOf({ agent: { command: "x", model: "claude-haiku-4-5" } })).toEqual([
      "`agent.model`: `model` applies to `backend: agentos` only (a command agent picks its model in its command)",
    ]);
  });

  it("a malformed model id is refused", () => {
    expect(problemsOf({ agent: { backend: "agentos", model: "a model; rm -rf" } })[0]).toMatch(/^`agent\.model`: must be a model id/);
  });
});
