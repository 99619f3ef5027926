import type { RunSummary } from "../../src/runs/run-summary.js";

export const HOSTILE = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">`;

const gh = (repo: string, path: string) => `https://github.com/${repo}/${path}`;

const base = { installationId: 1, steps: [] };

/** A fix in acme/calc that succeeded on its second attempt; its agent's summary is hostile. */
function fixedRun(now: number): RunSummary {
  return {
    ...base,
    id: "fix-calc-7",
    repo: "acme/calc",
    number: 7,
    kind: "fix",
    status: "succeeded",
    requestedBy: "alice",
    startedAt: now - 4 * 60_000,
    finishedAt: now - 4 * 60_000 + 95_000,
    attempts: 2,
    maxAttempts: 3,
    usage: { turns: 5, inputTokens: 12_000, outputTokens: 3_400, costUsd: 0.0312 },
    links: {
      issue: gh("acme/calc", "issues/7"),
      pullRequest: gh("acme/calc", "pull/8"),
      trackingComment: gh("acme/calc", "issues/7#issuecomment-100"),
    },
    steps: [
      { name: "clone", status: "done", startedAt: now - 4 * 60_000, durationMs: 1_200, starts: 1 },
      { name: "agent#1", status: "done", startedAt: now - 4 * 60_000 + 2_000, durationMs: 40_000, starts: 1 },
      { name: "test#1", status: "failed", startedAt: now - 4 * 60_000 + 42_000, durationMs: 8_000, starts: 1 },
      { name: "agent#2", status: "done", startedAt: now - 4 * 60_000 + 50_000, durationMs: 30_000, starts: 2 },
      { name: "test#2", status: "done", startedAt: now - 4 * 60_000 + 80_000, durationMs: 7_000, starts: 1 },
      { name: "open-pr", status: "done", startedAt: now - 4 * 60_000 + 88_000, durationMs: 2_000, starts: 1 },
    ],
    testTail: "ok 1 - add\nok 2 - sub\n# pass 2",
    agentSummary: `Fixed add(). ${HOSTILE}`,
  };
}

/** A fix in acme/web that failed after three attempts. */
function failedRun(now: number): RunSummary {
  return {
    ...base,
    id: "fix-web-3",
    repo: "acme/web",
    number: 3,
    kind: "fix",
    status: "failed",
    requestedBy: "bob",
    startedAt: now - 3 * 60_000,
    finishedAt: now - 3 * 60_000 + 61_000,
    attempts: 3,
    maxAttempts: 3,
    links: { issue: gh("acme/web", "issues/3"), trackingComment: gh("acme/web", "issues/3#issuecomment-200") },
    steps: [{ name: "agent#1", status: "failed", startedAt: now - 3 * 60_000, durationMs: 60_000, starts: 1 }],
    error: "the tests still fail after 3 attempts",
    testTail: "not ok 1 - render\n# fail 1",
  };
}

/** A review in acme/calc still running. */
function runningReview(now: number): RunSummary {
  return {
    ...base,
    id: "review-calc-9",
    repo: "acme/calc",
    number: 9,
    kind: "review",
    status: "running",
    requestedBy: "carol",
    startedAt: now - 60_000,
    attempts: 1,
    links: { issue: gh("acme/calc", "pull/9"), pullRequest: gh("acme/calc", "pull/9") },
    steps: [
      { name: "fetch-diff", status: "done", startedAt: now - 60_000, durationMs: 900, starts: 1 },
      { name: "review", status: "running", startedAt: now - 59_000, starts: 1 },
    ],
  };
}

/** A fix in acme/secret (which the test's person may only read). */
function secretRun(now: number): RunSummary {
  return {
    ...base,
    id: "fix-secret-1",
    repo: "acme/secret",
    number: 1,
    kind: "fix",
    status: "succeeded",
    requestedBy: "dave",
    startedAt: now - 2 * 60_000,
    finishedAt: now - 2 * 60_000 + 30_000,
    attempts: 1,
    links: { issue: gh("acme/secret", "issues/1"), pullRequest: gh("acme/secret", "pull/2") },
    steps: [],
  };
}

/** Four runs of different outcomes, started a minute apart before `now`. */
export function sampleRuns(now: number): RunSummary[] {
  return [fixedRun(now), failedRun(now), runningReview(now), secretRun(now)];
}

/** The review run finished: its step done, a review link and summary. */
export function finishReview(run: RunSummary, now: number): RunSummary {
  return {
    ...run,
    status: "succeeded",
    finishedAt: now,
    links: { ...run.links, review: `${run.links.pullRequest}#pullrequestreview-77` },
    steps: run.steps.map((s) => (s.name === "review" ? { ...s, status: "done", durationMs: 12_000 } : s)),
    reviewSummary: "Looks good: one nit on naming.",
  };
}
