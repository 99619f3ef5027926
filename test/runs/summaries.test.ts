import { describe, expect, it } from "vitest";
import { fixRunSummary, runUsage, stepSummary } from "../../src/runs/fix-run-summary.js";
import { reviewRunSummary } from "../../src/runs/review-run-summary.js";
import { repoWebUrl, tail } from "../../src/runs/summary-text.js";
import type { PrReviewJob, PrReviewRun } from "../../src/workflow/review-pr/types.js";
import type { FixJob, RunRecord } from "../../src/workflow/types.js";

const repo = { owner: "acme", name: "calc", cloneUrl: "https://github.com/acme/calc.git", defaultBranch: "main" };

const job: FixJob = {
  kind: "fix-issue",
  runId: "run-1",
  source: "github",
  requestedBy: "alice",
  receivedAt: 1_000,
  repo,
  installationId: 42,
  issue: { number: 7, title: "add is wrong", body: "" },
  branch: "fixbot/issue-7",
};

function view(over: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: "run-1",
    status: "running",
    issueNumber: 7,
    requestedBy: "alice",
    maxAttempts: 3,
    attempts: 1,
    steps: [],
    startedAt: 1_000,
    branch: "fixbot/issue-7",
    ...over,
  };
}

describe("a fix run's summary", () => {
  it("while it runs: running, its steps, the links it has so far", () => {
    const summary = fixRunSummary(
      job,
      view({
        trackingCommentId: 99,
        steps: [
          { name: "check-request", status: "done", starts: 1, startedAt: 1_000, durationMs: 40 },
          { name: "run-agent#1", status: "running", starts: 2, startedAt: 1_100 },
        ],
      }),
      1_200,
    );
    expect(summary).toMatchObject({
      id: "run-1",
      installationId: 42,
      repo: "acme/calc",
      number: 7,
      kind: "fix",
      status: "running",
      requestedBy: "alice",
      attempts: 1,
      maxAttempts: 3,
      updatedAt: 1_200,
      links: { issue: "https://github.com/acme/calc/issues/7", trackingComment: "https://github.com/acme/calc/issues/7#issuecomment-99" },
      steps: [
        { name: "check-request", status: "done", starts: 1, startedAt: 1_000, durationMs: 40 },
        { name: "run-agent#1", status: "running", starts: 2, startedAt: 1_100 },
      ],
    });
    expect(summary).not.toHaveProperty("finishedAt");
  });

  it("when fixed: succeeded, usage added up over attempts, tests' tail, agent summary, review, PR link", () => {
    const usage = { turns: 2, inputTokens: 100, outputTokens: 20, costUsd: 0.5 };
    const tests = { passed: true, command: "npm test", exitCode: 0, timedOut: false, outputTail: "ok 3 tests", durationMs: 5 };
    const attempt = { attempt: 1, patch: "", files: [], insertions: 0, deletions: 0, exitCode: 0, timedOut: false };
    const summary = fixRunSummary(
      job,
      view({
        status: "fixed",
        finishedAt: 9_000,
        tests,
        agentSummary: "Fixed add.",
        review: "Looks right.",
        pullRequest: { number: 8, url: "https://github.com/acme/calc/pull/8", draft: false },
        reviewUrl: "https://github.com/acme/calc/pull/8#pullrequestreview-1",
        checkpoint: {
          attempts: [
            { ...attempt, summary: "try 1", usage },
            { ...attempt, attempt: 2, summary: "try 2", usage },
          ],
        },
      }),
      9_000,
    );
    expect(summary).toMatchObject({
      status: "succeeded",
      finishedAt: 9_000,
      usage: { turns: 4, inputTokens: 200, outputTokens: 40, costUsd: 1 },
      testTail: "ok 3 tests",
      agentSummary: "Fixed add.",
      reviewSummary: "Looks right.",
      links: { pullRequest: "https://github.com/acme/calc/pull/8", review: "https://github.com/acme/calc/pull/8#pullrequestreview-1" },
    });
  });

  it("statuses: failing tests, no change and errors are failed; an ignored request skipped; errors keep message and hint", () => {
    const status = (s: RunRecord["status"]) => fixRunSummary(job, view({ status: s }), 1)?.status;
    expect([status("tests-failing"), status("no-change"), status("error"), status("cancelled"), status("ignored")]).toEqual([
      "failed",
      "failed",
      "failed",
      "cancelled",
      "skipped",
    ]);
    const failed = fixRunSummary(job, view({ status: "error", error: { message: "Step `clone-repo` failed", hint: "retry" } }), 1);
    expect(failed?.error).toBe("Step `clone-repo` failed retry");
  });

  it("a fix whose review a spend window skipped shows why in place of the review", () => {
    const skipped = fixRunSummary(job, view({ status: "fixed", reviewSkipped: "not run: a window is used up." }), 1);
    expect(skipped?.status).toBe("succeeded");
    expect(skipped?.reviewSummary).toBe("Review not run: a window is used up.");
  });

  it("local (CLI) runs have no installation: not indexed", () => {
    expect(fixRunSummary({ ...job, source: "local", installationId: undefined }, view(), 1)).toBeUndefined();
  });

  it("a step a retry took from the run it continues is shown reused; no usage reported is no usage", () => {
    expect(stepSummary({ name: "clone-repo", status: "done", starts: 0, detail: "reused from run r0" }).status).toBe("reused");
    expect(runUsage(view())).toBeUndefined();
    // A fix run's review counts in its usage, even when no attempt reported any.
    const reviewUsage = { turns: 1, inputTokens: 10, outputTokens: 2 };
    expect(runUsage({ checkpoint: { attempts: [], reviewUsage } })).toEqual({ turns: 1, inputTokens: 10, outputTokens: 2 });
  });
});

describe("a review run's summary", () => {
  const reviewJob = {
    kind: "review-pr",
    runId: "rev-1",
    deliveryId: "rev-1",
    action: "opened",
    receivedAt: 1,
    repo,
    installationId: 42,
    pr: {
      number: 8,
      title: "t",
      body: "",
      author: "bob",
      baseRef: "main",
      headRef: "f",
      headSha: "b".repeat(40),
      headRepoFullName: "acme/calc",
      fork: false,
    },
  } satisfies PrReviewJob;
  const run: PrReviewRun = { runId: "rev-1", action: "opened", headSha: "b".repeat(40), status: "running", startedAt: 10 };

  it("running, then reviewed: succeeded with the review's link and what it covered", () => {
    expect(reviewRunSummary(reviewJob, run, 11)).toMatchObject({
      id: "rev-1",
      kind: "review",
      status: "running",
      number: 8,
      requestedBy: "bob",
      links: { issue: "https://github.com/acme/calc/pull/8", pullRequest: "https://github.com/acme/calc/pull/8" },
    });
    const done = reviewRunSummary(
      reviewJob,
      {
        ...run,
        status: "reviewed",
        finishedAt: 20,
        range: { mode: "full", from: "a".repeat(40), to: "b".repeat(40) },
        chunks: 1,
        inlineComments: 2,
        reviewUrl: "https://github.com/acme/calc/pull/8#pullrequestreview-5",
        usage: { turns: 1, inputTokens: 1000, outputTokens: 200 },
      },
      20,
    );
    expect(done).toMatchObject({
      status: "succeeded",
      finishedAt: 20,
      links: { review: "https://github.com/acme/calc/pull/8#pullrequestreview-5" },
      // What the review agent reported: the runs page's tokens and cost of a review run.
      usage: { turns: 1, inputTokens: 1000, outputTokens: 200 },
    });
    expect(done.reviewSummary).toBe("Reviewed the pull request aaaaaaa..bbbbbbb: 1 chunk(s), 2 inline comment(s).");
  });

  it("an error is failed with its message; a skipped review is skipped with its reason", () => {
    expect(reviewRunSummary(reviewJob, { ...run, status: "error", error: "step x failed", finishedAt: 2 }, 2)).toMatchObject({
      status: "failed",
      error: "step x failed",
    });
    expect(reviewRunSummary(reviewJob, { ...run, status: "skipped", reason: "review is off", finishedAt: 2 }, 2)).toMatchObject({
      status: "skipped",
      reviewSummary: "review is off",
    });
  });
});

describe("texts of a summary", () => {
  it("web address from an https clone URL (GitHub Enterprise too); github.com's for anything else", () => {
    expect(repoWebUrl(repo)).toBe("https://github.com/acme/calc");
    expect(repoWebUrl({ ...repo, cloneUrl: "https://ghe.example.com/acme/calc.git" })).toBe("https://ghe.example.com/acme/calc");
    expect(repoWebUrl({ ...repo, cloneUrl: "/tmp/remote.git" })).toBe("https://github.com/acme/calc");
  });

  it("a test output's tail keeps its end", () => {
    expect(tail("0123456789", 5)).toBe("…6789");
    expect(tail("short", 5)).toBe("short");
  });
});
