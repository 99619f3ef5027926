import { describe, expect, it } from "vitest";
import { newRunView, runFinished, stepFailed, stepFinished, stepStarted } from "../../src/workflow/run-view.js";
import type { RunView } from "../../src/workflow/types.js";

function makeView(overrides: Partial<RunView> = {}): RunView {
  return {
    ...newRunView({ runId: "run-1", issueNumber: 5, requestedBy: "octocat", branch: "fixbot/issue-5", maxAttempts: 3, now: 100 }),
    ...overrides,
  };
}

describe("newRunView", () => {
  it("starts running with no steps and no attempts", () => {
    const view = makeView();
    expect(view).toMatchObject({
      runId: "run-1",
      status: "running",
      issueNumber: 5,
      requestedBy: "octocat",
      branch: "fixbot/issue-5",
      maxAttempts: 3,
      attempts: 0,
      steps: [],
      startedAt: 100,
    });
    expect(view.finishedAt).toBeUndefined();
  });
});

describe("step transitions", () => {
  it("stepStarted adds a running step with one start", () => {
    const view = stepStarted(makeView(), "clone-repo", 1000);
    expect(view.steps).toEqual([
      { name: "clone-repo", status: "running", starts: 1, startedAt: 1000, durationMs: undefined, detail: undefined },
    ]);
  });

  it("stepFinished marks it done with its duration and detail", () => {
    const view = stepFinished(stepStarted(makeView(), "clone-repo", 1000), "clone-repo", 3500, "42 files");
    expect(view.steps).toHaveLength(1);
    expect(view.steps[0]).toMatchObject({ status: "done", starts: 1, durationMs: 2500, detail: "42 files" });
  });

  it("stepFailed marks it failed with its duration and detail", () => {
    const view = stepFailed(stepStarted(makeView(), "run-tests#1", 10), "run-tests#1", 70, "exit 1");
    expect(view.steps[0]).toMatchObject({ status: "failed", durationMs: 60, detail: "exit 1" });
  });

  it("a step finished without having started has no duration", () => {
    const view = stepFinished(makeView(), "push-branch", 50);
    expect(view.steps[0]).toMatchObject({ name: "push-branch", status: "done", starts: 0 });
    expect(view.steps[0]?.durationMs).toBeUndefined();
  });

  it("restarting a step increments starts and clears the previous duration and detail", () => {
    let view = stepStarted(makeView(), "push-branch", 0);
    view = stepFailed(view, "push-branch", 100, "network");
    view = stepStarted(view, "push-branch", 200);
    expect(view.steps).toHaveLength(1);
    expect(view.steps[0]).toMatchObject({ status: "running", starts: 2, startedAt: 200 });
    expect(view.steps[0]?.durationMs).toBeUndefined();
    expect(view.steps[0]?.detail).toBeUndefined();
    view = stepStarted(view, "push-branch", 300); // resumed after a crash while running
    expect(view.steps[0]?.starts).toBe(3);
    view = stepFinished(view, "push-branch", 450);
    expect(view.steps[0]).toMatchObject({ status: "done", starts: 3, durationMs: 150 });
  });

  it("keeps steps in the order they first started; attempt-numbered steps are distinct", () => {
    let view = makeView();
    for (const name of ["clone-repo", "run-agent#1", "run-tests#1", "run-agent#2"]) view = stepStarted(view, name, 0);
    view = stepFinished(view, "run-agent#1", 5);
    expect(view.steps.map((s) => s.name)).toEqual(["clone-repo", "run-agent#1", "run-tests#1", "run-agent#2"]);
  });

  it("does not mutate the input view", () => {
    const before = stepStarted(makeView(), "clone-repo", 0);
    const snapshot = structuredClone(before);
    stepFinished(before, "clone-repo", 10, "done");
    stepStarted(before, "run-agent#1", 10);
    runFinished(before, "error", 20);
    expect(before).toEqual(snapshot);
  });
});

describe("runFinished", () => {
  it("sets the status and finishedAt and merges extra fields", () => {
    const view = runFinished(makeView(), "fixed", 900, { commit: "abc123" });
    expect(view.status).toBe("fixed");
    expect(view.finishedAt).toBe(900);
    expect(view.commit).toBe("abc123");
  });

  it("marks steps still running as failed with their duration, leaving others alone", () => {
    let view = stepStarted(makeView(), "clone-repo", 0);
    view = stepFinished(view, "clone-repo", 10);
    view = stepStarted(view, "run-agent#1", 20);
    view = runFinished(view, "error", 120);
    expect(view.steps[0]).toMatchObject({ name: "clone-repo", status: "done", durationMs: 10 });
    expect(view.steps[1]).toMatchObject({ name: "run-agent#1", status: "failed", durationMs: 100 });
  });

  it("extra cannot override the final status or finishedAt", () => {
    const view = runFinished(makeView(), "no-change", 50, { status: "running", finishedAt: 1 } as Partial<RunView>);
    expect(view.status).toBe("no-change");
    expect(view.finishedAt).toBe(50);
  });
});
