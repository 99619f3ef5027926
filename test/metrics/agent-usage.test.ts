import { describe, expect, it } from "vitest";
import { recordAgentUsage, recordFixRun, recordReviewRun } from "../../src/metrics/run-metrics.js";
import { createMetrics } from "../../src/metrics/registry.js";
import type { RunRecord } from "../../src/workflow/types.js";
import { parsePromText, seriesKey } from "../helpers/prom-text.js";

const read = async (metrics: ReturnType<typeof createMetrics>) => {
  const samples = parsePromText(await metrics.registry.metrics());
  return (name: string, labels: Record<string, string> = {}) => samples.get(seriesKey(name, labels)) ?? 0;
};

/** A finished fix run with two attempts (one reported, one not) and a review that reported its usage. */
function fixedRun(): RunRecord {
  return {
    runId: "r1",
    status: "fixed",
    issueNumber: 1,
    requestedBy: "alice",
    maxAttempts: 3,
    attempts: 2,
    steps: [],
    startedAt: 0,
    finishedAt: 1,
    branch: "fixbot/issue-1",
    checkpoint: {
      attempts: [
        { attempt: 1, summary: "", files: [], insertions: 0, deletions: 0 },
        {
          attempt: 2,
          summary: "",
          files: [],
          insertions: 1,
          deletions: 1,
          usage: { turns: 2, inputTokens: 300, outputTokens: 100, costUsd: 0.01 },
        },
      ],
      reviewUsage: { turns: 1, inputTokens: 1000, outputTokens: 200, costUsd: 0.03 },
    },
  } as unknown as RunRecord;
}

describe("the agents' usage counters, by role", () => {
  it("a fix run counts its attempts under role edit and its review under role review; an unreported attempt is not 0", async () => {
    const metrics = createMetrics();
    recordFixRun(metrics, fixedRun());
    const value = await read(metrics);
    expect(value("fixbot_agent_turns_total", { role: "edit" })).toBe(2);
    expect(value("fixbot_agent_tokens_total", { role: "edit", direction: "input" })).toBe(300);
    expect(value("fixbot_agent_tokens_total", { role: "edit", direction: "output" })).toBe(100);
    expect(value("fixbot_agent_cost_usd_total", { role: "edit" })).toBeCloseTo(0.01, 10);
    expect(value("fixbot_agent_turns_total", { role: "review" })).toBe(1);
    expect(value("fixbot_agent_tokens_total", { role: "review", direction: "input" })).toBe(1000);
    expect(value("fixbot_agent_tokens_total", { role: "review", direction: "output" })).toBe(200);
    expect(value("fixbot_agent_cost_usd_total", { role: "review" })).toBeCloseTo(0.03, 10);
    expect(value("fixbot_agent_usage_unreported_total")).toBe(1);
    expect(value("fixbot_agent_attempts_total")).toBe(2);
  });

  it("a pull request review counts its run and its agent's usage under role review", async () => {
    const metrics = createMetrics();
    recordReviewRun(metrics, "reviewed", { turns: 1, inputTokens: 50, outputTokens: 5 });
    recordReviewRun(metrics, "skipped");
    const value = await read(metrics);
    expect(value("fixbot_runs_total", { kind: "review", status: "reviewed" })).toBe(1);
    expect(value("fixbot_runs_total", { kind: "review", status: "skipped" })).toBe(1);
    expect(value("fixbot_agent_tokens_total", { role: "review", direction: "input" })).toBe(50);
    expect(value("fixbot_agent_tokens_total", { role: "edit", direction: "input" })).toBe(0);
  });

  it("nothing reported is not counted, and says so", async () => {
    const metrics = createMetrics();
    expect(recordAgentUsage(metrics, "review", undefined)).toBe(false);
    expect(recordAgentUsage(metrics, "review", {})).toBe(false);
    expect(recordAgentUsage(metrics, "review", { costUsd: 0.5 })).toBe(true);
    const value = await read(metrics);
    expect(value("fixbot_agent_cost_usd_total", { role: "review" })).toBe(0.5);
    expect(value("fixbot_agent_turns_total", { role: "review" })).toBe(0);
  });
});
