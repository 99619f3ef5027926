import { describe, expect, it } from "vitest";
import { reviewFailedCheckText, reviewStartedCheckText } from "../../src/workflow/review-pr/check-texts.js";
import { withStartedCheck } from "../../src/workflow/review-pr/started-check.js";
import type { PrReviewRun } from "../../src/workflow/review-pr/types.js";

const failure = { step: "review-chunk#1", cause: "failed after 2 attempt(s)", line: "the review agent printed nothing (exit 3)" };

describe("the review check's texts", () => {
  it("a review that could not finish: neutral under failOn never, failure otherwise; names the step, the error and the retry", () => {
    const neutral = reviewFailedCheckText({ failOn: "never", ...failure });
    expect(neutral.conclusion).toBe("neutral");
    expect(neutral.title).toBe("The review could not finish");
    expect(neutral.summary).toContain("step `review-chunk#1` failed after 2 attempt(s): the review agent printed nothing (exit 3)");
    expect(neutral.summary).toContain("`/fixbot review`");
    expect(neutral.summary).toContain("does not block the merge");
    expect(reviewFailedCheckText({ failOn: "error", ...failure }).conclusion).toBe("failure");
    expect(reviewFailedCheckText({ failOn: "warning", ...failure }).summary).toContain("`pullRequests.failOn` is `warning`");
  });

  it("the error's first line only, made inert: no mention, no HTML, no closing keyword", () => {
    const { summary } = reviewFailedCheckText({ failOn: "never", ...failure, line: "boom @alice <img src=x> fixes #1\nsecond line" });
    expect(summary).not.toContain("@alice");
    expect(summary).not.toContain("<img");
    expect(summary).not.toMatch(/\bfixes #1/);
    expect(summary).not.toContain("second line");
  });

  it("the in-progress text names the head", () => {
    expect(reviewStartedCheckText("abcdef1234567890").summary).toContain("`abcdef1`");
  });
});

describe("withStartedCheck", () => {
  const run: PrReviewRun = { runId: "r1", action: "opened", headSha: "a".repeat(40), status: "running", startedAt: 1 };

  it("keeps the opened check run and its failOn; a not-granted start keeps nothing", () => {
    expect(withStartedCheck(run, { kind: "started", checkRunId: 7, failOn: "error" }).check).toEqual({ checkRunId: 7, failOn: "error" });
    expect(withStartedCheck(run, { kind: "started", checkRunId: 7 }).check).toEqual({ checkRunId: 7, failOn: "never" });
    expect(withStartedCheck(run, { kind: "not-granted", reason: "no" })).toBe(run);
    expect(withStartedCheck(run, undefined)).toBe(run);
  });
});
