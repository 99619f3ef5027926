import { describe, expect, it } from "vitest";
import { admitJob, capped } from "../../src/workflow/admit.js";
import { initialFixRunState, type FixRunState } from "../../src/workflow/fix-run-state.js";
import type { FixJob, RunView } from "../../src/workflow/types.js";

function makeJob(overrides: Partial<FixJob> = {}): FixJob {
  return {
    kind: "fix-issue",
    runId: "run-new",
    deliveryId: "delivery-new",
    source: "github",
    requestedBy: "octocat",
    receivedAt: 5000,
    repo: { owner: "o", name: "r", cloneUrl: "https://github.com/o/r.git", defaultBranch: "main" },
    installationId: 1,
    issue: { number: 3, title: "Bug", body: "" },
    label: "fixbot",
    branch: "fixbot/issue-3",
    ...overrides,
  };
}

function makeRun(runId: string): RunView {
  return {
    runId,
    status: "fixed",
    issueNumber: 3,
    requestedBy: "octocat",
    maxAttempts: 3,
    attempts: 1,
    steps: [],
    startedAt: 1000,
    finishedAt: 4000,
    branch: "fixbot/issue-3",
  };
}

function makeState(overrides: Partial<FixRunState> = {}): FixRunState {
  return { ...initialFixRunState(), ...overrides };
}

describe("admitJob", () => {
  it("admits the first job on a fresh state", () => {
    expect(admitJob(initialFixRunState(), makeJob({ receivedAt: 0 }))).toEqual({ ok: true });
  });

  it("refuses a duplicate delivery and names it", () => {
    const result = admitJob(makeState({ seenDeliveries: ["d-1", "delivery-new"] }), makeJob());
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain("delivery-new");
  });

  it("refuses a job whose runId already exists", () => {
    const result = admitJob(makeState({ runs: [makeRun("run-new")] }), makeJob({ deliveryId: undefined }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain("run-new");
  });

  it("refuses (coalesces) a github job received before the last run finished, naming that run", () => {
    const state = makeState({ runs: [makeRun("run-old"), makeRun("run-latest")], lastFinishedAt: 4000 });
    const result = admitJob(state, makeJob({ receivedAt: 3999 }));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain("run-latest");
      expect(result.reason).toContain("in progress");
    }
  });

  it("admits a github job received at or after the last run finished", () => {
    const state = makeState({ runs: [makeRun("run-old")], seenDeliveries: ["delivery-old"], lastFinishedAt: 4000 });
    expect(admitJob(state, makeJob({ receivedAt: 4000 }))).toEqual({ ok: true });
    expect(admitJob(state, makeJob({ receivedAt: 4001 }))).toEqual({ ok: true });
  });

  it("does not coalesce local jobs", () => {
    const state = makeState({ runs: [makeRun("run-old")], lastFinishedAt: 4000 });
    expect(admitJob(state, makeJob({ source: "local", deliveryId: undefined, receivedAt: 1 }))).toEqual({ ok: true });
  });

  it("still refuses a local job that reuses an existing runId", () => {
    const state = makeState({ runs: [makeRun("cli-abc")] });
    expect(admitJob(state, makeJob({ source: "local", runId: "cli-abc", deliveryId: undefined })).ok).toBe(false);
  });
});

describe("capped", () => {
  it("keeps the newest max entries in order", () => {
    expect(capped([1, 2, 3, 4, 5], 3)).toEqual([3, 4, 5]);
  });

  it("keeps everything when under the cap", () => {
    expect(capped([1, 2], 5)).toEqual([1, 2]);
    expect(capped([], 5)).toEqual([]);
  });

  it("returns a copy, not the input array", () => {
    const input = [1, 2, 3];
    const out = capped(input, 10);
    expect(out).toEqual(input);
    expect(out).not.toBe(input);
  });

  it("a cap of zero keeps nothing", () => {
    expect(capped([1, 2, 3], 0)).toEqual([]);
  });
});
