import { describe, expect, it } from "vitest";
import { formatDuration, renderTrackingComment, headReviewMarker, stepLabel, trackingMarker } from "../../src/github/comment-body.js";
import type { RunView, StepView, TestSummary } from "../../src/workflow/types.js";

function makeView(overrides: Partial<RunView> = {}): RunView {
  return {
    runId: "delivery-123",
    status: "running",
    issueNumber: 7,
    requestedBy: "octocat",
    maxAttempts: 3,
    attempts: 1,
    steps: [],
    startedAt: 1_000_000,
    branch: "fixbot/issue-7",
    ...overrides,
  };
}

function makeStep(overrides: Partial<StepView> = {}): StepView {
  return { name: "clone-repo", status: "done", starts: 1, ...overrides };
}

function makeTests(overrides: Partial<TestSummary> = {}): TestSummary {
  return { passed: true, command: "npm test", exitCode: 0, timedOut: false, outputTail: "", durationMs: 4200, ...overrides };
}

function headerOf(body: string): string {
  return body.split("\n")[1] ?? "";
}

describe("markers", () => {
  it("the tracking comment starts with the tracking marker on its first line", () => {
    const body = renderTrackingComment(makeView());
    expect(body.split("\n")[0]).toBe(trackingMarker("delivery-123"));
    expect(body.split("\n")[0]).toMatch(/^<!-- fixbot:tracking run=delivery-123 -->$/);
  });

  it("markers sanitize characters that could break the HTML comment", () => {
    const marker = trackingMarker("a b-->c");
    expect(marker).not.toContain("-->c");
    expect(marker.match(/-->/g)).toHaveLength(1);
    expect(marker.startsWith("<!-- fixbot:tracking run=")).toBe(true);
  });

  it("a review marker names the head sha, and a requested (fresh) review's marker also names its run", () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    expect(headReviewMarker(sha)).toBe(`<!-- fixbot:pr-review head=${sha} -->`);
    expect(headReviewMarker(sha, "run 1-->x")).toBe(`<!-- fixbot:pr-review head=${sha} run=run_1--_x -->`);
    expect(headReviewMarker("abc-->def")).toBe("<!-- fixbot:pr-review head=abcdef -->");
  });
});

describe("usage in the tracking comment", () => {
  it('the usage table has a "review" row when the review agent of the run reported usage', () => {
    const body = renderTrackingComment({
      ...makeView({ status: "fixed", finishedAt: 2_000_000 }),
      checkpoint: {
        attempts: [{ attempt: 1, usage: { turns: 2, inputTokens: 1000, outputTokens: 200, costUsd: 0.03 } }] as never,
        reviewUsage: { turns: 1, inputTokens: 500, outputTokens: 50, costUsd: 0.01 },
      },
    });
    expect(body).toContain("| review | 1 | 550 (500 / 50) | $0.0100 |");
    expect(body).toContain("| **total** | 3 | 1,750 | $0.0400 |");
  });
});

describe("final status headers", () => {
  const finals: RunView[] = [
    makeView({ status: "fixed", finishedAt: 2_000_000 }),
    makeView({ status: "tests-failing", attempts: 3, finishedAt: 2_000_000 }),
    makeView({ status: "tests-failing", attempts: 3, pullRequest: { number: 12, url: "https://x/pull/12", draft: true } }),
    makeView({ status: "no-change" }),
    makeView({ status: "error", error: { message: "boom" } }),
  ];

  it("each final status has a distinct header", () => {
    const headers = finals.map((v) => headerOf(renderTrackingComment(v)));
    expect(new Set(headers).size).toBe(finals.length);
    for (const h of headers) expect(h.startsWith("### ")).toBe(true);
  });

  it("fixed says the tests pass and names the pull request", () => {
    const body = renderTrackingComment(
      makeView({ status: "fixed", pullRequest: { number: 42, url: "https://github.com/o/r/pull/42", draft: false } }),
    );
    expect(headerOf(body)).toContain("fixed this issue");
    expect(headerOf(body)).toContain("tests pass");
    expect(headerOf(body)).toContain("#42");
    expect(body).toContain("**Pull request:** https://github.com/o/r/pull/42");
    expect(body).not.toContain("(draft)");
  });

  it("tests-failing without a pull request says none was opened and how many attempts ran", () => {
    const header = headerOf(renderTrackingComment(makeView({ status: "tests-failing", attempts: 3 })));
    expect(header).toContain("could not make the tests pass");
    expect(header).toContain("3 attempt(s)");
    expect(header).toContain("No pull request was opened");
  });

  it("tests-failing with a draft pull request names the draft", () => {
    const body = renderTrackingComment(
      makeView({ status: "tests-failing", attempts: 2, pullRequest: { number: 9, url: "https://github.com/o/r/pull/9", draft: true } }),
    );
    expect(headerOf(body)).toContain("Draft pull request: #9");
    expect(headerOf(body)).not.toContain("No pull request");
    expect(body).toContain("**Pull request:** https://github.com/o/r/pull/9 (draft)");
  });

  it("no-change is loud: says NO change and that nothing was committed, and explains what to do", () => {
    const body = renderTrackingComment(makeView({ status: "no-change" }));
    expect(headerOf(body)).toContain("NO change");
    expect(headerOf(body)).toContain("nothing was committed");
    expect(headerOf(body)).toContain("⚠️");
    expect(body).toContain("left the working tree unchanged");
    expect(body).toContain("label the issue again");
  });

  it("error shows the step, the message and What to do", () => {
    const body = renderTrackingComment(
      makeView({
        status: "error",
        error: { step: "run-agent#1", message: "The agent exited with code 2.", hint: "Check `agent.command`." },
      }),
    );
    expect(headerOf(body)).toContain("stopped with an error");
    expect(headerOf(body)).toContain("`run-agent#1`");
    expect(body).toContain("**What happened:** The agent exited with code 2.");
    expect(body).toContain("**What to do:** Check `agent.command`.");
  });

  it("error without a hint omits What to do but keeps the message", () => {
    const body = renderTrackingComment(makeView({ status: "error", error: { message: "disk full" } }));
    expect(body).toContain("**What happened:** disk full");
    expect(body).not.toContain("What to do");
    expect(headerOf(body)).not.toContain(" in `");
  });

  it("running shows the attempt out of the maximum (at least attempt 1)", () => {
    expect(headerOf(renderTrackingComment(makeView({ status: "running", attempts: 2, maxAttempts: 5 })))).toContain("attempt 2 of 5");
    expect(headerOf(renderTrackingComment(makeView({ status: "running", attempts: 0, maxAttempts: 3 })))).toContain("attempt 1 of 3");
  });
});

describe("step lines", () => {
  it("stepLabel adds the attempt number", () => {
    expect(stepLabel("run-agent#2")).toBe("Agent edits the code (attempt 2)");
    expect(stepLabel("run-tests#1")).toBe("Run the tests (attempt 1)");
    expect(stepLabel("clone-repo")).toBe("Clone the repository");
    expect(stepLabel("some-new-step")).toBe("some-new-step");
  });

  it("a done step is checked, shows its duration and detail", () => {
    const body = renderTrackingComment(
      makeView({ steps: [makeStep({ name: "run-agent#2", status: "done", durationMs: 2500, detail: "3 files changed" })] }),
    );
    const line = body.split("\n").find((l) => l.includes("Agent edits the code"));
    expect(line).toBeDefined();
    expect(line).toMatch(/^- \[x\] /);
    expect(line).toContain("(attempt 2)");
    expect(line).toContain("2.5 s");
    expect(line).toContain("3 files changed");
  });

  it("running, failed and pending steps are unchecked, with distinct icons for running and failed", () => {
    const body = renderTrackingComment(
      makeView({
        steps: [
          makeStep({ name: "clone-repo", status: "running" }),
          makeStep({ name: "run-tests#1", status: "failed", detail: "exit 1" }),
          makeStep({ name: "commit-change", status: "pending", starts: 0 }),
        ],
      }),
    );
    const lines = body.split("\n").filter((l) => l.startsWith("- "));
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^- \[ \] /);
    expect(lines[0]).toContain("⏳");
    expect(lines[1]).toContain("❌");
    expect(lines[1]).toContain("exit 1");
    expect(lines[2]).not.toMatch(/⏳|❌/);
  });

  it("says how many times a step started when it started more than once", () => {
    const body = renderTrackingComment(makeView({ steps: [makeStep({ name: "push-branch", starts: 3, durationMs: 10 })] }));
    expect(body).toContain("started 3 times");
    const once = renderTrackingComment(makeView({ steps: [makeStep({ name: "push-branch", starts: 1 })] }));
    expect(once).not.toContain("started");
  });
});

describe("formatDuration", () => {
  it("uses ms below a second, one-decimal seconds below a minute, then minutes and seconds", () => {
    expect(formatDuration(0)).toBe("0 ms");
    expect(formatDuration(999)).toBe("999 ms");
    expect(formatDuration(1000)).toBe("1.0 s");
    expect(formatDuration(42_300)).toBe("42.3 s");
    expect(formatDuration(60_000)).toBe("1 min 0 s");
    expect(formatDuration(125_000)).toBe("2 min 5 s");
  });

  it("never shows 60 seconds", () => {
    expect(formatDuration(119_600)).toBe("2 min 0 s");
    expect(formatDuration(59_960)).not.toBe("60.0 s");
  });

  it("the footer shows the total run time once finished", () => {
    const body = renderTrackingComment(makeView({ status: "fixed", startedAt: 0, finishedAt: 90_000 }));
    const footer = body.split("\n").at(-1) ?? "";
    expect(footer).toContain("@octocat");
    expect(footer).toContain("`fixbot/issue-7`");
    expect(footer).toContain("in 1 min 30 s");
    expect(renderTrackingComment(makeView()).split("\n").at(-1)).not.toMatch(/ in \d/);
  });
});

describe("tests section", () => {
  it("passing tests show the command and duration but no output", () => {
    const body = renderTrackingComment(makeView({ status: "fixed", tests: makeTests({ outputTail: "all good" }) }));
    expect(body).toContain("`npm test` passed in 4.2 s");
    expect(body).not.toContain("all good");
  });

  it("failing tests show the exit code and the output tail in a code fence", () => {
    const body = renderTrackingComment(
      makeView({ status: "tests-failing", tests: makeTests({ passed: false, exitCode: 1, outputTail: "FAIL add.test.js\n" }) }),
    );
    expect(body).toContain("failed (exit 1)");
    expect(body).toContain("```\nFAIL add.test.js\n```");
  });

  it("timed-out tests say so", () => {
    const body = renderTrackingComment(
      makeView({ tests: makeTests({ passed: false, exitCode: null, timedOut: true, outputTail: "still running" }) }),
    );
    expect(body).toContain("timed out");
  });

  it("the fence survives backticks inside the output", () => {
    const output = "expected:\n```js\nadd(1, 2)\n```\nand ````four````";
    const body = renderTrackingComment(makeView({ tests: makeTests({ passed: false, exitCode: 1, outputTail: output }) }));
    const lines = body.split("\n");
    const start = lines.findIndex((l) => /^`{3,}$/.test(l));
    expect(start).toBeGreaterThan(-1);
    const fenceLine = lines[start]!;
    expect(fenceLine.length).toBeGreaterThan(4); // longer than the longest run of backticks inside
    const end = lines.indexOf(fenceLine, start + 1);
    expect(end).toBeGreaterThan(start);
    expect(lines.slice(start + 1, end).join("\n")).toBe(output);
    // No line inside can close the fence early.
    for (const l of lines.slice(start + 1, end)) expect(l.startsWith(fenceLine)).toBe(false);
  });

  it("empty failing output shows no fence", () => {
    const body = renderTrackingComment(makeView({ tests: makeTests({ passed: false, exitCode: 1, outputTail: "  \n" }) }));
    expect(body).not.toContain("```");
  });
});

describe("other sections", () => {
  it("shows the review link", () => {
    const body = renderTrackingComment(makeView({ status: "fixed", reviewUrl: "https://github.com/o/r/pull/3#pullrequestreview-1" }));
    expect(body).toContain("**Review:** https://github.com/o/r/pull/3#pullrequestreview-1");
  });

  it("says why the review did not run when a spend window skipped it", () => {
    const body = renderTrackingComment(makeView({ status: "fixed", reviewSkipped: "not run: a window is used up." }));
    expect(body).toContain("**Review:** not run: a window is used up.");
    expect(renderTrackingComment(makeView({ status: "fixed" }))).not.toContain("**Review:**");
  });

  it("shows the agent summary only once the run is over", () => {
    const running = renderTrackingComment(makeView({ status: "running", agentSummary: "I changed add()" }));
    expect(running).not.toContain("I changed add()");
    const done = renderTrackingComment(makeView({ status: "fixed", agentSummary: "I changed add()" }));
    expect(done).toContain("Agent summary");
    expect(done).toContain("I changed add()");
  });
});
