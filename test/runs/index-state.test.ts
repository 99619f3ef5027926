import { describe, expect, it } from "vitest";
import { initialRunsIndexState, listLimit, listRuns, supersedes, upsertRun } from "../../src/runs/index-state.js";
import type { RunSummary } from "../../src/runs/run-summary.js";

function run(id: string, over: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    installationId: 7,
    repo: "acme/calc",
    number: 1,
    kind: "fix",
    status: "running",
    requestedBy: "alice",
    startedAt: 1_000,
    attempts: 0,
    links: { issue: "https://github.com/acme/calc/issues/1" },
    steps: [],
    updatedAt: 1_000,
    ...over,
  };
}

describe("the runs index's state", () => {
  it("keeps the newest summary of a run: a late or repeated older write changes nothing", () => {
    const state = initialRunsIndexState();
    expect(upsertRun(state, run("a", { updatedAt: 2_000, attempts: 1 }))).toBe(true);
    expect(upsertRun(state, run("a", { updatedAt: 1_500, attempts: 0 }))).toBe(false);
    expect(state.runs.a?.attempts).toBe(1);
    expect(upsertRun(state, run("a", { updatedAt: 2_000, attempts: 1 }))).toBe(true);
    expect(Object.keys(state.runs)).toEqual(["a"]);
  });

  it("a finished run is never replaced by an unfinished summary, whatever its time", () => {
    const done = run("a", { status: "succeeded", finishedAt: 5_000, updatedAt: 5_000 });
    expect(supersedes(run("a", { updatedAt: 9_000 }), done)).toBe(false);
    expect(supersedes(done, run("a", { updatedAt: 9_000 }))).toBe(true);
  });

  it("lists newest first, filtered by status, repository (any case) and a set of repositories, within the limit", () => {
    const state = initialRunsIndexState();
    upsertRun(state, run("old", { startedAt: 1, status: "failed", finishedAt: 2 }));
    upsertRun(state, run("mid", { startedAt: 2, repo: "acme/Other" }));
    upsertRun(state, run("new", { startedAt: 3, status: "failed", finishedAt: 4 }));
    expect(listRuns(state, {}).map((r) => r.id)).toEqual(["new", "mid", "old"]);
    expect(listRuns(state, { status: "failed" }).map((r) => r.id)).toEqual(["new", "old"]);
    expect(listRuns(state, { repo: "ACME/other" }).map((r) => r.id)).toEqual(["mid"]);
    expect(listRuns(state, { repos: ["acme/calc"] }).map((r) => r.id)).toEqual(["new", "old"]);
    expect(listRuns(state, { repos: [] })).toEqual([]);
    expect(listRuns(state, { limit: 1 }).map((r) => r.id)).toEqual(["new"]);
  });

  it("a list leaves out the long texts; the run itself keeps them", () => {
    const state = initialRunsIndexState();
    upsertRun(state, run("a", { testTail: "1 failing", agentSummary: "fixed add", reviewSummary: "looks fine", error: "boom" }));
    const [listed] = listRuns(state, {});
    expect(listed).not.toHaveProperty("testTail");
    expect(listed).not.toHaveProperty("agentSummary");
    expect(listed?.error).toBe("boom");
    expect(state.runs.a?.testTail).toBe("1 failing");
  });

  it("past the cap the oldest finished runs go first; past `detailed` runs lose their long texts", () => {
    const state = initialRunsIndexState();
    const limits = { cap: 3, detailed: 1 };
    upsertRun(state, run("open-oldest", { startedAt: 1 }), limits);
    upsertRun(state, run("done-old", { startedAt: 2, finishedAt: 3, testTail: "t" }), limits);
    upsertRun(state, run("done-new", { startedAt: 4, finishedAt: 5, testTail: "t" }), limits);
    upsertRun(state, run("newest", { startedAt: 6, testTail: "t" }), limits);
    expect(Object.keys(state.runs).sort()).toEqual(["done-new", "newest", "open-oldest"]);
    expect(state.runs.newest?.testTail).toBe("t");
    expect(state.runs["done-new"]).not.toHaveProperty("testTail");
  });

  it("a list's limit: the default for none or nonsense, at most 200", () => {
    expect(listLimit(undefined)).toBe(50);
    expect(listLimit(0)).toBe(50);
    expect(listLimit(Number.NaN)).toBe(50);
    expect(listLimit(7)).toBe(7);
    expect(listLimit(10_000)).toBe(200);
  });
});
