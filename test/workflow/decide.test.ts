import { describe, expect, it } from "vitest";
import { finalStatus, judgeAttempt } from "../../src/workflow/decide.js";

type AttemptParams = Parameters<typeof judgeAttempt>[0];

function attempt(overrides: Partial<AttemptParams> = {}): AttemptParams {
  return {
    source: "github",
    attempt: 1,
    step: "run-agent#1",
    patch: "",
    previousPatch: "",
    exitCode: 0,
    timedOut: false,
    timeoutSeconds: 1200,
    summary: "",
    ...overrides,
  };
}

const PATCH_A = "diff --git a/x b/x\n-a\n+b\n";
const PATCH_B = "diff --git a/x b/x\n-a\n+c\n";

describe("judgeAttempt", () => {
  it("a change on the first attempt goes to the tests", () => {
    expect(judgeAttempt(attempt({ patch: PATCH_A }))).toEqual({ kind: "test" });
  });

  it("a new change on a later attempt goes to the tests", () => {
    expect(judgeAttempt(attempt({ attempt: 2, patch: PATCH_B, previousPatch: PATCH_A }))).toEqual({ kind: "test" });
  });

  it("a change goes to the tests even when the agent exited non-zero or timed out", () => {
    expect(judgeAttempt(attempt({ patch: PATCH_A, exitCode: 1 }))).toEqual({ kind: "test" });
    expect(judgeAttempt(attempt({ patch: PATCH_A, timedOut: true }))).toEqual({ kind: "test" });
  });

  it("no change on attempt 1 is no-change", () => {
    expect(judgeAttempt(attempt())).toEqual({ kind: "stop", status: "no-change" });
  });

  it("no further change on a later attempt keeps the earlier test failure: tests-failing", () => {
    expect(judgeAttempt(attempt({ attempt: 2, step: "run-agent#2", patch: PATCH_A, previousPatch: PATCH_A }))).toEqual({
      kind: "stop",
      status: "tests-failing",
    });
  });

  it("an agent that reverted everything on a later attempt is no-change", () => {
    expect(judgeAttempt(attempt({ attempt: 3, patch: "", previousPatch: PATCH_A }))).toEqual({ kind: "stop", status: "no-change" });
  });

  it("timing out without a change is an error naming the step, the limit and timeouts.agent", () => {
    const verdict = judgeAttempt(attempt({ attempt: 2, step: "run-agent#2", timedOut: true, timeoutSeconds: 600, exitCode: 137 }));
    expect(verdict.kind).toBe("stop");
    if (verdict.kind !== "stop") return;
    expect(verdict.status).toBe("error");
    expect(verdict.error?.step).toBe("run-agent#2");
    expect(verdict.error?.message).toContain("600 s");
    expect(verdict.error?.message).toContain("ran out of time");
    expect(verdict.error?.hint).toContain("timeouts.agent");
  });

  it("a non-zero exit without a change is an error with the exit code and the output tail", () => {
    const summary = ["line 1", "line 2", "line 3", "line 4", "line 5", "Error: invalid API key", ""].join("\n");
    const verdict = judgeAttempt(attempt({ exitCode: 2, summary }));
    expect(verdict.kind).toBe("stop");
    if (verdict.kind !== "stop") return;
    expect(verdict.status).toBe("error");
    expect(verdict.error?.step).toBe("run-agent#1");
    expect(verdict.error?.message).toContain("exited with code 2");
    expect(verdict.error?.message).toContain("Error: invalid API key");
    // Only the last five lines, joined on one line.
    expect(verdict.error?.message).not.toContain("line 1");
    expect(verdict.error?.message).toContain("line 2 / line 3");
    expect(verdict.error?.message).not.toContain("\n");
    expect(verdict.error?.hint).toContain("agent.command");
  });

  it("a non-zero exit with no output does not append an empty tail", () => {
    const verdict = judgeAttempt(attempt({ exitCode: 1, summary: "  \n" }));
    if (verdict.kind !== "stop") throw new Error("expected stop");
    expect(verdict.error?.message).toBe("The agent exited with code 1 without changing anything.");
  });

  it("caps the output tail at 500 characters", () => {
    const verdict = judgeAttempt(attempt({ exitCode: 1, summary: "x".repeat(5000) }));
    if (verdict.kind !== "stop") throw new Error("expected stop");
    expect(verdict.error?.message.length).toBeLessThan(650);
  });

  it("github errors tell the user to label the issue again; local errors to rerun the command", () => {
    for (const failing of [{ timedOut: true }, { exitCode: 1 }]) {
      const github = judgeAttempt(attempt({ ...failing, source: "github" }));
      const local = judgeAttempt(attempt({ ...failing, source: "local" }));
      if (github.kind !== "stop" || local.kind !== "stop") throw new Error("expected stop");
      expect(github.error?.hint).toContain("label the issue again");
      expect(local.error?.hint).toContain("run the same fixbot command again");
      expect(local.error?.hint).not.toContain("label the issue");
    }
  });

  it("error hints name the CLI flag next to the YAML field", () => {
    const timedOut = judgeAttempt(attempt({ timedOut: true, source: "local" }));
    const exited = judgeAttempt(attempt({ exitCode: 1, source: "local" }));
    if (timedOut.kind !== "stop" || exited.kind !== "stop") throw new Error("expected stop");
    expect(timedOut.error?.hint).toContain("--agent-timeout");
    expect(exited.error?.hint).toContain("--agent-command");
  });

  it("a timeout takes precedence over the exit code", () => {
    const verdict = judgeAttempt(attempt({ timedOut: true, exitCode: 143 }));
    if (verdict.kind !== "stop") throw new Error("expected stop");
    expect(verdict.error?.hint).toContain("timeouts.agent");
    expect(verdict.error?.message).not.toContain("143");
  });
});

describe("finalStatus", () => {
  it("maps the last test result", () => {
    expect(finalStatus(true)).toBe("fixed");
    expect(finalStatus(false)).toBe("tests-failing");
  });
});
