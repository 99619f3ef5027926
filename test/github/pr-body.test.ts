import { describe, expect, it } from "vitest";
import { commitMessage, renderPullRequest } from "../../src/github/pr-body.js";
import type { TestSummary } from "../../src/workflow/types.js";

function makeTests(overrides: Partial<TestSummary> = {}): TestSummary {
  return { passed: true, command: "npm test", exitCode: 0, timedOut: false, outputTail: "", durationMs: 3400, ...overrides };
}

type PrParams = Parameters<typeof renderPullRequest>[0];

function makeParams(overrides: Partial<PrParams> = {}): PrParams {
  return {
    issue: { number: 17, title: "  add() subtracts  " },
    agentSummary: "Changed - to +.",
    files: ["src/math.js"],
    insertions: 1,
    deletions: 1,
    attempts: 1,
    tests: makeTests(),
    runId: "run-17",
    ...overrides,
  };
}

describe("renderPullRequest", () => {
  it("the body starts with Fixes #n so GitHub closes the issue", () => {
    const { body } = renderPullRequest(makeParams());
    expect(body.split("\n")[0]).toBe("Fixes #17");
  });

  it("lists the changed files with the stats", () => {
    const { body } = renderPullRequest(makeParams({ files: ["a.js", "b/c.ts"], insertions: 10, deletions: 3, attempts: 2 }));
    expect(body).toContain("2 file(s), +10/-3, after 2 agent attempt(s).");
    expect(body).toContain("- `a.js`");
    expect(body).toContain("- `b/c.ts`");
  });

  it("caps the file list at 30 with 'and N more'", () => {
    const files = Array.from({ length: 45 }, (_, i) => `file${i}.js`);
    const { body } = renderPullRequest(makeParams({ files }));
    const listed = body.split("\n").filter((l) => /^- `file\d+\.js`$/.test(l));
    expect(listed).toHaveLength(30);
    expect(body).toContain("- `file29.js`");
    expect(body).not.toContain("`file30.js`");
    expect(body).toContain("and 15 more");
    expect(body).toContain("45 file(s)");
  });

  it("exactly 30 files has no 'more' line", () => {
    const files = Array.from({ length: 30 }, (_, i) => `f${i}`);
    expect(renderPullRequest(makeParams({ files })).body).not.toContain("more");
  });

  it("passing tests: the verdict names the command and duration", () => {
    const { body } = renderPullRequest(makeParams());
    expect(body).toContain("✅ `npm test` passed (3.4 s).");
  });

  it("failing tests: the verdict says it still fails after N attempts and needs a human", () => {
    const { body } = renderPullRequest(makeParams({ attempts: 3, tests: makeTests({ passed: false, exitCode: 1 }) }));
    expect(body).toContain("❌ `npm test` still fails after 3 attempt(s)");
    expect(body).toContain("needs a human");
    expect(body).not.toContain("✅");
  });

  it("includes the agent summary, or says there was none", () => {
    expect(renderPullRequest(makeParams()).body).toContain("Changed - to +.");
    expect(renderPullRequest(makeParams({ agentSummary: "  " })).body).toContain("(the agent gave no summary)");
  });

  it("names the run in the footer", () => {
    expect(renderPullRequest(makeParams()).body).toContain("run `run-17`");
  });

  it("title is 'Fix #n: title', trimmed", () => {
    expect(renderPullRequest(makeParams()).title).toBe("Fix #17: add() subtracts");
  });

  it("title is truncated to 250 characters", () => {
    const { title } = renderPullRequest(makeParams({ issue: { number: 1, title: "t".repeat(400) } }));
    expect(title).toHaveLength(250);
    expect(title.startsWith("Fix #1: ttt")).toBe(true);
  });
});

describe("commitMessage", () => {
  it("is deterministic", () => {
    const issue = { number: 5, title: "Crash on empty input" };
    expect(commitMessage(issue, "github")).toBe(commitMessage({ ...issue }, "github"));
  });

  it("github: references the issue in the subject and a Fixes trailer", () => {
    const msg = commitMessage({ number: 5, title: " Crash on empty input " }, "github");
    const [subject] = msg.split("\n");
    expect(subject).toBe("fix: Crash on empty input (#5)");
    expect(msg).toContain("\n\nFixes #5\n\n");
    expect(msg.endsWith("Made by fixbot.")).toBe(true);
  });

  it("local: no issue reference", () => {
    const msg = commitMessage({ number: 5, title: "Crash on empty input" }, "local");
    expect(msg).toBe("fix: Crash on empty input\n\nMade by fixbot.");
    expect(msg).not.toContain("#5");
  });

  it("caps the title part of the subject at 60 characters", () => {
    const subject = commitMessage({ number: 1, title: "a".repeat(100) }, "local").split("\n")[0]!;
    expect(subject).toBe(`fix: ${"a".repeat(60)}`);
  });
});
