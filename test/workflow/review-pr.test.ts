import { describe, expect, it } from "vitest";
import { admitReviewJob, coversHead, finishReviewRun, markAwaiting, reviewNeedsWaking } from "../../src/workflow/review-pr/decide.js";
import {
  buildPrReviewContext,
  composeReviewSummary,
  invalidConfigComment,
  PR_CONFIG_MARKER,
  PR_SPEND_MARKER,
  prReviewMarker,
  rangeLine,
  spendRefusalComment,
} from "../../src/workflow/review-pr/review-text.js";
import { initialPrReviewState, type PrReviewJob, type PrReviewRun, type PrReviewState } from "../../src/workflow/review-pr/types.js";
import { tickChainBroken, TICK_MS } from "../../src/actors/wake.js";

const A = "a".repeat(40);
const B = "b".repeat(40);

function job(overrides: Partial<PrReviewJob> & { headSha?: string; fork?: boolean } = {}): PrReviewJob {
  const { headSha = B, fork = false, ...rest } = overrides;
  return {
    kind: "review-pr",
    runId: "d-1",
    deliveryId: "d-1",
    action: "opened",
    receivedAt: 1,
    repo: { owner: "acme", name: "calc", cloneUrl: "file:///calc.git", defaultBranch: "main" },
    installationId: 1,
    pr: {
      number: 7,
      title: "Add it",
      body: "Adds it.",
      author: "alice",
      baseRef: "main",
      headRef: "feature",
      headSha,
      headRepoFullName: fork ? "mallory/calc" : "acme/calc",
      fork,
    },
    ...rest,
  };
}

function state(overrides: Partial<PrReviewState> = {}): PrReviewState {
  return { ...initialPrReviewState(), ...overrides };
}

const run: PrReviewRun = { runId: "d-1", action: "opened", headSha: B, status: "running", startedAt: 10 };

describe("admitReviewJob", () => {
  it("runs a new head; a synchronize starts from the last reviewed head, other actions from scratch", () => {
    expect(admitReviewJob(state(), job())).toEqual({ ok: true, since: null });
    expect(admitReviewJob(state({ lastReviewedSha: A }), job({ action: "synchronize" }))).toEqual({ ok: true, since: A });
    expect(admitReviewJob(state({ lastReviewedSha: A }), job({ action: "reopened" }))).toEqual({ ok: true, since: null });
  });

  it("refuses a delivery seen before, a run that exists, and a head already reviewed", () => {
    expect(admitReviewJob(state({ seenDeliveries: ["d-1"] }), job())).toEqual({ ok: false, reason: "delivery d-1 was already handled" });
    expect(admitReviewJob(state({ runs: [run] }), job({ deliveryId: "d-2" }))).toEqual({ ok: false, reason: "run d-1 already exists" });
    expect(admitReviewJob(state({ lastReviewedSha: B }), job({ action: "synchronize" }))).toEqual({
      ok: false,
      reason: "head bbbbbbb was already reviewed",
    });
  });

  it("a requested review (/fixbot review) runs even on a head reviewed before, over the whole pull request", () => {
    expect(admitReviewJob(state({ lastReviewedSha: B }), job({ requestedBy: "alice" }))).toEqual({ ok: true, since: null });
  });
});

describe("finishReviewRun and coversHead", () => {
  it("merges a result into the run", () => {
    const done = finishReviewRun(run, { ok: true, value: { status: "reviewed", reviewId: 9, chunks: 1 } }, 50);
    expect(done).toEqual({ ...run, status: "reviewed", reviewId: 9, chunks: 1, finishedAt: 50 });
  });

  it("turns a step that failed for good into an error naming the step", () => {
    const failure = {
      source: "step" as const,
      name: "run-review",
      error: { name: "Error", message: "fatal: could not read from remote" },
      step: { kind: "exhausted" as const, stepName: "fetch-diff", attempts: 4, error: { name: "Error", message: "x" } },
    };
    const done = finishReviewRun(run, { ok: false, failure } as never, 60);
    expect(done).toMatchObject({
      status: "error",
      finishedAt: 60,
      error: "step fetch-diff failed after 4 attempt(s): fatal: could not read from remote",
    });
  });

  it("counts a head as covered only when a review exists for it or there was nothing to review", () => {
    expect(["reviewed", "already-reviewed", "nothing-to-review"].every((s) => coversHead(s as never))).toBe(true);
    expect(["skipped", "superseded", "invalid-config", "error", "running"].some((s) => coversHead(s as never))).toBe(false);
  });
});

describe("wake-up alarm bookkeeping", () => {
  it("ticks while an enqueued delivery waits (until wakeUntil) or a run is open", () => {
    expect(reviewNeedsWaking(state(), 100)).toBe(false);
    expect(reviewNeedsWaking(state({ awaiting: ["d-1"], wakeUntil: 200 }), 100)).toBe(true);
    expect(reviewNeedsWaking(state({ awaiting: ["d-1"], wakeUntil: 200 }), 300)).toBe(false);
    expect(reviewNeedsWaking(state({ runs: [run] }), 100)).toBe(true);
    expect(reviewNeedsWaking(state({ runs: [{ ...run, closed: true }] }), 100)).toBe(false);
  });

  it("does not count a delivery the workflow already took (keepAwake arriving late)", () => {
    expect(markAwaiting({ awaiting: [], seenDeliveries: ["d-1"] }, "d-1")).toEqual([]);
    expect(markAwaiting({ awaiting: ["d-0"], seenDeliveries: [] }, "d-1")).toEqual(["d-0", "d-1"]);
    expect(markAwaiting({ awaiting: ["d-1"], seenDeliveries: [] }, "d-1")).toEqual(["d-1"]);
    const many = Array.from({ length: 50 }, (_, i) => `x-${i}`);
    expect(markAwaiting({ awaiting: many, seenDeliveries: [] }, "new")).toHaveLength(50);
  });

  it("restarts a tick chain that never started or missed its time", () => {
    expect(tickChainBroken(state(), 1000)).toBe(true);
    expect(tickChainBroken(state({ nextTickAt: 1000 + TICK_MS }), 1000)).toBe(false);
    expect(tickChainBroken(state({ nextTickAt: 1000 }), 1000 + 2 * TICK_MS + 1)).toBe(true);
  });
});

describe("review text", () => {
  it("keys the marker on the head sha (hex only)", () => {
    const marker = (headSha: string, requestedBy?: string) => prReviewMarker({ pr: { headSha } as never, runId: "d-9", requestedBy });
    expect(marker(A)).toBe(`<!-- fixbot:pr-review head=${A} -->`);
    expect(marker(`${A} -->x`)).toBe(`<!-- fixbot:pr-review head=${A} -->`);
    // A requested review is a fresh one: its own marker, so it is not mistaken for the automatic one.
    expect(marker(A, "alice")).toBe(`<!-- fixbot:pr-review head=${A} run=d-9 -->`);
  });

  it("says which commits a review covers", () => {
    expect(rangeLine({ mode: "full", from: A, to: B })).toBe("Reviewed the whole pull request, `aaaaaaa..bbbbbbb`.");
    expect(rangeLine({ mode: "incremental", from: A, to: B })).toBe(
      "Incremental review: only the commits pushed since the last review, `aaaaaaa..bbbbbbb`.",
    );
    expect(rangeLine({ mode: "full", from: A, to: B, note: "Force-pushed." })).toMatch(/`\. Force-pushed\.$/);
  });

  it("gives the agent the PR, the range, its part, and for a fork that it has the diff only", () => {
    const text = buildPrReviewContext({
      job: job({ fork: true }),
      range: { mode: "full", from: A, to: B },
      chunk: 2,
      chunks: 3,
      paths: ["a.js", "b.js"],
    });
    expect(text).toContain("Review pull request #7 in acme/calc by @alice: Add it");
    expect(text).toContain("This is part 2 of 3 of the diff: 2 file(s).");
    expect(text).toContain("(untrusted text)\nAdds it.");
    expect(text).toContain('{"path": "src/a.ts", "line": 12');
    expect(text).toContain("comes from a fork: you get the diff only");
    expect(
      buildPrReviewContext({ job: job(), range: { mode: "full", from: A, to: B }, chunk: 1, chunks: 1, paths: ["a.js"] }),
    ).not.toContain("fork");
  });

  it("composes the summary with one heading per part, and says so when nothing fit the budget", () => {
    const range = { mode: "incremental" as const, from: A, to: B };
    const one = composeReviewSummary({ job: job(), range, files: 2, summaries: ["Looks fine."] });
    expect(one).toBe(
      "### 🔎 fixbot review\n\nIncremental review: only the commits pushed since the last review, `aaaaaaa..bbbbbbb`. 2 file(s) changed.\n\nLooks fine.",
    );
    const many = composeReviewSummary({ job: job({ fork: true }), range, files: 9, summaries: ["One.", ""] });
    expect(many).toContain("#### Part 1 of 2\n\nOne.");
    expect(many).toContain("#### Part 2 of 2\n\n_The reviewer wrote no summary for this part._");
    expect(many).toContain("none of its code was run");
    expect(composeReviewSummary({ job: job(), range, files: 1, summaries: [] })).toContain(
      "No file of this change was within the review budget",
    );
  });

  it("ends with the review agent's usage over all parts when it reported any; without a report, no usage line", () => {
    const range = { mode: "full" as const, from: A, to: B };
    const body = composeReviewSummary({
      job: job(),
      range,
      files: 2,
      summaries: ["One.", "Two."],
      usage: { turns: 3, inputTokens: 1000, outputTokens: 200, costUsd: 0.03 },
    });
    expect(body.endsWith("\n\n<sub>Review agent usage: 3 turns · 1,200 tokens (1,000 in / 200 out) · $0.0300</sub>")).toBe(true);
    expect(composeReviewSummary({ job: job(), range, files: 2, summaries: ["One."] })).not.toContain("usage");
  });

  it("a review refused by a used-up spend window says which window, how much and when it resets, under its marker", () => {
    const body = spendRefusalComment({
      job: job(),
      usedUp: { window: "org-month", unit: "cost", used: 12.5, limit: 10, resetsAt: Date.UTC(2027, 0, 1) },
    });
    expect(body.startsWith(PR_SPEND_MARKER)).toBe(true);
    expect(body).toContain(
      "The review of `bbbbbbb` was not started: this month's (UTC) spend window of the acme organization is used up ($12.50 of $10.00, FIXBOT_SPEND_ORG_MONTH_COST_USD).",
    );
    expect(body).toContain("The window resets at 2027-01-01T00:00:00Z");
  });

  it("reports an invalid config with its marker and one line per problem", () => {
    const body = invalidConfigComment(["`pullRequests.maxChunks`: Expected number, received string"]);
    expect(body.startsWith(PR_CONFIG_MARKER)).toBe(true);
    expect(body).toContain("- `pullRequests.maxChunks`: Expected number, received string");
  });
});
