import { describe, expect, it } from "vitest";
import { exitCodeFor, progressLines, summaryText } from "../../src/cli/report.js";
import type { RunOutcome, RunView, StepView, TestSummary } from "../../src/workflow/types.js";

function makeView(steps: StepView[]): RunView {
  return {
    runId: "cli-1",
    status: "running",
    issueNumber: 0,
    requestedBy: "me",
    maxAttempts: 3,
    attempts: 1,
    steps,
    startedAt: 0,
    branch: "fixbot/add-subtracts",
  };
}

function makeTests(overrides: Partial<TestSummary> = {}): TestSummary {
  return { passed: true, command: "npm test", exitCode: 0, timedOut: false, outputTail: "", durationMs: 100, ...overrides };
}

function makeOutcome(overrides: Partial<RunOutcome> = {}): RunOutcome {
  return { runId: "cli-1", status: "fixed", branch: "fixbot/add-subtracts", attempts: 1, tests: makeTests(), ...overrides };
}

describe("progressLines", () => {
  it("prints each step change exactly once", () => {
    const printed = new Set<string>();
    const first = progressLines(makeView([{ name: "clone-repo", status: "running", starts: 1 }]), printed);
    expect(first).toEqual(["… Clone the repository"]);

    // Same view again: nothing new.
    expect(progressLines(makeView([{ name: "clone-repo", status: "running", starts: 1 }]), printed)).toEqual([]);

    const second = progressLines(
      makeView([
        { name: "clone-repo", status: "done", starts: 1, durationMs: 1500, detail: "12 files" },
        { name: "run-agent#1", status: "running", starts: 1 },
      ]),
      printed,
    );
    expect(second).toEqual(["✓ Clone the repository (1.5 s) — 12 files", "… Agent edits the code (attempt 1)"]);
  });

  it("prints a restarted step again", () => {
    const printed = new Set<string>();
    progressLines(makeView([{ name: "push-branch", status: "running", starts: 1 }]), printed);
    expect(progressLines(makeView([{ name: "push-branch", status: "running", starts: 2 }]), printed)).toHaveLength(1);
  });

  it("skips pending steps and marks failed and skipped ones", () => {
    const lines = progressLines(
      makeView([
        { name: "commit-change", status: "pending", starts: 0 },
        { name: "run-tests#2", status: "failed", starts: 1, detail: "exit 1" },
        { name: "review-change", status: "skipped", starts: 0 },
      ]),
      new Set(),
    );
    expect(lines).toEqual(["✗ Run the tests (attempt 2) — exit 1", "- Second agent reviews the change"]);
  });
});

describe("exitCodeFor", () => {
  it("0 only when fixed with passing tests", () => {
    expect(exitCodeFor(makeOutcome())).toBe(0);
  });

  it("1 for everything else", () => {
    expect(exitCodeFor(makeOutcome({ tests: undefined }))).toBe(1);
    expect(exitCodeFor(makeOutcome({ tests: makeTests({ passed: false }) }))).toBe(1);
    for (const status of ["tests-failing", "no-change", "error", "ignored", "running", "queued"] as const) {
      expect(exitCodeFor(makeOutcome({ status }))).toBe(1);
    }
  });
});

describe("summaryText", () => {
  it("a fixed run names the branch at the short commit, the workspace and how to see it", () => {
    const text = summaryText(makeOutcome({ commit: "0123456789abcdef0123", workspace: "/home/me/.fixbot/ws/calc" }));
    const lines = text.split("\n");
    expect(lines[0]).toBe("Fixed: the tests pass.");
    expect(text).toContain("Attempts: 1");
    expect(text).toContain("Tests: `npm test` passed");
    expect(text).toContain("Branch: fixbot/add-subtracts at 0123456789ab");
    expect(text).not.toContain("0123456789abc");
    expect(text).toContain("Workspace: /home/me/.fixbot/ws/calc");
    expect(text).toContain("git -C /home/me/.fixbot/ws/calc show fixbot/add-subtracts");
  });

  it("without a commit there is no branch line and no git show hint", () => {
    const text = summaryText(makeOutcome({ status: "no-change", tests: undefined, workspace: "/ws" }));
    expect(text.split("\n")[0]).toContain("NO change");
    expect(text).not.toContain("Branch:");
    expect(text).not.toContain("git -C");
    expect(text).toContain("Workspace: /ws");
  });

  it("includes the review text", () => {
    const text = summaryText(makeOutcome({ review: "Consider negative numbers." }));
    expect(text).toContain("Review:\nConsider negative numbers.");
  });

  it("failing tests show the last 20 lines of output", () => {
    const output = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
    const text = summaryText(makeOutcome({ status: "tests-failing", tests: makeTests({ passed: false, outputTail: output }) }));
    expect(text).toContain("Not fixed: the tests still fail.");
    expect(text).toContain("Tests: `npm test` failed");
    expect(text).toContain("line 11\n");
    expect(text).toContain("line 30");
    expect(text).not.toContain("line 10\n");
  });

  it("an error shows its message", () => {
    const text = summaryText(makeOutcome({ status: "error", tests: undefined, error: "Step `clone-repo` timed out." }));
    expect(text.split("\n").slice(0, 2)).toEqual(["Error.", "Step `clone-repo` timed out."]);
  });
});
