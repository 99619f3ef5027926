import { describe, expect, it } from "vitest";
import { detectTestCommand } from "../../src/steps/test-command.js";
import { branchForIssue, slugify } from "../../src/workflow/branch-names.js";
import { retryHint } from "../../src/workflow/run-errors.js";
import { buildFeedback, buildReviewContext, buildTaskText } from "../../src/workflow/task-text.js";
import type { TestSummary } from "../../src/workflow/types.js";

function makeTests(overrides: Partial<TestSummary> = {}): TestSummary {
  return {
    passed: false,
    command: "npm test",
    exitCode: 1,
    timedOut: false,
    outputTail: "FAIL math.test.js",
    durationMs: 1200,
    ...overrides,
  };
}

function makeTask(overrides: Partial<Parameters<typeof buildTaskText>[0]> = {}): string {
  return buildTaskText({
    repo: "octo/calc",
    issue: { number: 12, title: "  add() subtracts  ", body: "Calling add(1, 2) returns -1." },
    instructions: "Use tabs.",
    testCommand: "npm run test:unit",
    ...overrides,
  });
}

describe("buildTaskText", () => {
  it("includes the issue number, repo, trimmed title and body", () => {
    const text = makeTask();
    expect(text.split("\n")[0]).toBe("Fix issue #12 in octo/calc: add() subtracts");
    expect(text).toContain("Calling add(1, 2) returns -1.");
  });

  it("says which test command checks the work and not to commit", () => {
    const text = makeTask();
    expect(text).toContain("`npm run test:unit`");
    expect(text).toMatch(/do not delete or weaken tests/i);
    expect(text).toMatch(/Do not commit/);
  });

  it("appends the maintainers' instructions under their own heading", () => {
    const text = makeTask({ instructions: "  Use tabs.\n" });
    expect(text).toContain("## Instructions from the maintainers\nUse tabs.");
    expect(text.indexOf("Use tabs.")).toBeGreaterThan(text.indexOf("## Issue"));
  });

  it("omits the instructions heading when there are none", () => {
    expect(makeTask({ instructions: "   " })).not.toContain("Instructions from the maintainers");
  });

  it("an empty body reads (no description)", () => {
    const text = makeTask({ issue: { number: 1, title: "t", body: "  \n " } });
    expect(text).toContain("## Issue\n(no description)");
  });
});

describe("buildReviewContext", () => {
  it("chains the fixing agent's summary, attempts and the test verdict", () => {
    const text = buildReviewContext({
      repo: "octo/calc",
      issue: { number: 12, title: "add() subtracts " },
      agentSummary: "  Changed - to + in math.js.  ",
      attempts: 2,
      tests: makeTests({ passed: true, exitCode: 0 }),
    });
    expect(text).toContain("issue #12 in octo/calc: add() subtracts");
    expect(text).toContain("2 attempt(s)");
    expect(text).toContain("Changed - to + in math.js.");
    expect(text).toContain("Tests (`npm test`) pass.");
  });

  it("says the tests still fail, and (no summary) when the agent said nothing", () => {
    const text = buildReviewContext({
      repo: "octo/calc",
      issue: { number: 1, title: "t" },
      agentSummary: "",
      attempts: 3,
      tests: makeTests({ passed: false }),
    });
    expect(text).toContain("still FAIL");
    expect(text).toContain("(no summary)");
  });
});

describe("buildFeedback", () => {
  it("gives the command, the exit code and the output tail", () => {
    const text = buildFeedback(makeTests({ exitCode: 2, outputTail: "expected 3, got -1" }));
    expect(text).toContain("`npm test`");
    expect(text).toContain("failed with exit code 2");
    expect(text.endsWith("expected 3, got -1")).toBe(true);
  });

  it("says the tests timed out", () => {
    const text = buildFeedback(makeTests({ timedOut: true, exitCode: null }));
    expect(text).toContain("timed out");
    expect(text).not.toContain("exit code");
  });

  it("says unknown when there is no exit code", () => {
    expect(buildFeedback(makeTests({ exitCode: null }))).toContain("exit code unknown");
  });
});

describe("branchForIssue and slugify", () => {
  it("branchForIssue names the issue", () => {
    expect(branchForIssue(42)).toBe("fixbot/issue-42");
  });

  it("slugify lowercases and joins words with single hyphens", () => {
    expect(slugify("Fix: add() Subtracts!!  numbers")).toBe("fix-add-subtracts-numbers");
  });

  it("slugify trims leading and trailing separators", () => {
    expect(slugify("  --Hello World--  ")).toBe("hello-world");
  });

  it("slugify caps the length without leaving a trailing hyphen", () => {
    const slug = slugify("aaaa bbbb cccc", 5);
    expect(slug).toBe("aaaa");
    expect(slugify("x".repeat(100)).length).toBe(40);
  });

  it("slugify falls back to fix when nothing usable remains", () => {
    expect(slugify("")).toBe("fix");
    expect(slugify("!!! ???")).toBe("fix");
    expect(slugify("日本語")).toBe("fix");
  });
});

describe("detectTestCommand", () => {
  const withScript = JSON.stringify({ name: "x", scripts: { test: "vitest run" } });

  it("the configured command wins", () => {
    expect(detectTestCommand("make check", withScript)).toBe("make check");
    expect(detectTestCommand("make check", undefined)).toBe("make check");
  });

  it("npm test when package.json has a test script", () => {
    expect(detectTestCommand(undefined, withScript)).toBe("npm test");
  });

  it("none for npm's default 'no test specified' script", () => {
    const pkg = JSON.stringify({ scripts: { test: 'echo "Error: no test specified" && exit 1' } });
    expect(detectTestCommand(undefined, pkg)).toBeUndefined();
  });

  it("none when there is no test script or it is blank", () => {
    expect(detectTestCommand(undefined, JSON.stringify({ scripts: { build: "tsc" } }))).toBeUndefined();
    expect(detectTestCommand(undefined, JSON.stringify({ name: "x" }))).toBeUndefined();
    expect(detectTestCommand(undefined, JSON.stringify({ scripts: { test: "  " } }))).toBeUndefined();
    expect(detectTestCommand(undefined, JSON.stringify({ scripts: { test: 1 } }))).toBeUndefined();
  });

  it("none for invalid JSON or a missing package.json", () => {
    expect(detectTestCommand(undefined, "{ not json")).toBeUndefined();
    expect(detectTestCommand(undefined, undefined)).toBeUndefined();
    expect(detectTestCommand(undefined, "")).toBeUndefined();
    expect(detectTestCommand(undefined, "null")).toBeUndefined();
  });
});

describe("retryHint", () => {
  it("speaks the requester's terms", () => {
    expect(retryHint("github")).toContain("label the issue again");
    expect(retryHint("local")).toContain("run the same fixbot command again");
  });
});
