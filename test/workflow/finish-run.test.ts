import type { TryBlockResult, TryStepFailure } from "rivetkit/workflow";
import { describe, expect, it } from "vitest";
import type { FixResult } from "../../src/workflow/fix-issue.js";
import { finalView, toOutcome, withOutcome } from "../../src/workflow/finish-run.js";
import type { RunRecord, StepView, TestSummary } from "../../src/workflow/types.js";

function makeView(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: "run-9",
    status: "running",
    issueNumber: 9,
    requestedBy: "octocat",
    maxAttempts: 3,
    attempts: 1,
    steps: [],
    startedAt: 1000,
    branch: "fixbot/issue-9",
    ...overrides,
  };
}

function makeTests(overrides: Partial<TestSummary> = {}): TestSummary {
  return { passed: true, command: "npm test", exitCode: 0, timedOut: false, outputTail: "", durationMs: 500, ...overrides };
}

function ok(value: FixResult): TryBlockResult<FixResult> {
  return { ok: true, value };
}

function stepFailure(
  step: Partial<TryStepFailure> & Pick<TryStepFailure, "kind">,
  message = "connect ECONNREFUSED\nat stack line",
): TryBlockResult<FixResult> {
  const full: TryStepFailure = { stepName: "push-branch", attempts: 5, error: { name: "Error", message }, ...step };
  return { ok: false, failure: { source: "step", name: full.stepName, error: full.error, step: full } };
}

const running: StepView = { name: "push-branch", status: "running", starts: 1, startedAt: 2000 };

describe("finalView with a result", () => {
  it("an ignored run stays unannounced and keeps its reason", () => {
    const view = finalView(makeView(), ok({ status: "ignored", ignoredReason: "label is not fixbot" }), 3000, "github");
    expect(view.status).toBe("ignored");
    expect(view.announced).toBe(false);
    expect(view.ignoredReason).toBe("label is not fixbot");
    expect(view.finishedAt).toBe(3000);
  });

  it("an ignored run that had already been announced stays announced", () => {
    expect(finalView(makeView({ announced: true }), ok({ status: "ignored" }), 3000, "github").announced).toBe(true);
  });

  it("an error result (e.g. invalid config) is announced even though no step announced the run", () => {
    const view = finalView(makeView(), ok({ status: "error", error: { step: "check-request", message: "invalid" } }), 3000, "github");
    expect(view.announced).toBe(true);
    expect(view.error).toEqual({ step: "check-request", message: "invalid" });
  });

  it("a fixed result is announced and carries its fields", () => {
    const tests = makeTests();
    const view = finalView(
      makeView(),
      ok({
        status: "fixed",
        tests,
        commit: "abc",
        pullRequest: { number: 4, url: "https://x/pull/4", draft: false },
        agentSummary: "did it",
      }),
      3000,
      "github",
    );
    expect(view).toMatchObject({ status: "fixed", announced: true, tests, commit: "abc", agentSummary: "did it", finishedAt: 3000 });
    expect(view.pullRequest?.number).toBe(4);
  });

  it("marks still-running steps failed", () => {
    const view = finalView(makeView({ steps: [running] }), ok({ status: "no-change" }), 2500, "github");
    expect(view.steps[0]).toMatchObject({ status: "failed", durationMs: 500 });
  });
});

describe("finalView with a step failure", () => {
  it("a timeout says the step timed out and names it", () => {
    const view = finalView(
      makeView({ steps: [running] }),
      stepFailure({ kind: "timeout", stepName: "run-tests#2", attempts: 1 }),
      5000,
      "github",
    );
    expect(view.status).toBe("error");
    expect(view.announced).toBe(true);
    expect(view.error?.step).toBe("run-tests#2");
    expect(view.error?.message).toContain("Step `run-tests#2` timed out");
    expect(view.error?.message).not.toContain("attempt(s)");
    expect(view.error?.hint).toMatch(/logs/);
    expect(view.error?.hint).toContain("label the issue again");
    expect(view.steps[0]?.status).toBe("failed");
    expect(view.finishedAt).toBe(5000);
  });

  it("exhausted retries say how many attempts failed and only the first line of the error", () => {
    const view = finalView(makeView(), stepFailure({ kind: "exhausted", stepName: "push-branch", attempts: 5 }), 5000, "github");
    expect(view.error?.step).toBe("push-branch");
    expect(view.error?.message).toBe("Step `push-branch` failed after 5 attempt(s): connect ECONNREFUSED");
  });

  it("a failure without step details names the failing block", () => {
    const result: TryBlockResult<FixResult> = {
      ok: false,
      failure: { source: "block", name: "fix", error: { name: "Error", message: "kaboom" } },
    };
    const view = finalView(makeView(), result, 5000, "github");
    expect(view.error?.step).toBe("fix");
    expect(view.error?.message).toBe("Step `fix` failed: kaboom");
  });

  it("a local run's hint says to rerun the command, not to label an issue", () => {
    const view = finalView(makeView(), stepFailure({ kind: "exhausted" }), 5000, "local");
    expect(view.error?.hint).toContain("run the same fixbot command again");
    expect(view.error?.hint).not.toContain("label");
  });

  it("caps a very long error message", () => {
    const view = finalView(makeView(), stepFailure({ kind: "critical" }, "y".repeat(2000)), 5000, "github");
    expect(view.error!.message.length).toBeLessThan(600);
  });
});

describe("toOutcome", () => {
  it("copies the fields the CLI prints", () => {
    const tests = makeTests({ passed: false, exitCode: 1 });
    const outcome = toOutcome(
      makeView({
        status: "tests-failing",
        attempts: 3,
        commit: "deadbeef",
        workspace: "/data/ws",
        tests,
        review: "looks risky",
        pullRequest: { number: 2, url: "https://github.com/o/r/pull/2", draft: true },
      }),
    );
    expect(outcome).toEqual({
      runId: "run-9",
      status: "tests-failing",
      branch: "fixbot/issue-9",
      commit: "deadbeef",
      workspace: "/data/ws",
      attempts: 3,
      tests,
      review: "looks risky",
      pullRequestUrl: "https://github.com/o/r/pull/2",
      error: undefined,
    });
  });

  it("joins the error message and hint", () => {
    expect(toOutcome(makeView({ status: "error", error: { message: "It broke.", hint: "Try again." } })).error).toBe(
      "It broke. Try again.",
    );
    expect(toOutcome(makeView({ status: "error", error: { message: "It broke." } })).error).toBe("It broke.");
  });
});

describe("withOutcome: the recorded outcome wins over a state that lost it", () => {
  it("a state still showing the run as running (its outcome write lost in a crash) gets the recorded outcome", () => {
    const recorded = makeView({ status: "fixed", finishedAt: 5000 });
    const lost = makeView({ status: "running", trackingCommentId: 77 });
    expect(withOutcome(lost, recorded)).toEqual({ ...recorded, trackingCommentId: 77 });
  });

  it("a state that has the outcome keeps it, with what later steps added (the tracking comment id)", () => {
    const current = makeView({ status: "fixed", finishedAt: 5000, trackingCommentId: 9 });
    expect(withOutcome(current, makeView({ status: "fixed", finishedAt: 5000 }))).toBe(current);
  });
});
