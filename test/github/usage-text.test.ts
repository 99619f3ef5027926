import { describe, expect, it } from "vitest";
import { usageLine, usageTable } from "../../src/github/usage-text.js";
import { sumReported } from "../../src/agents/usage.js";
import { renderPullRequest } from "../../src/github/pr-body.js";

describe("usage on every run", () => {
  it("shows turns, tokens and cost per attempt and in total", () => {
    const table = usageTable([
      { attempt: 1, usage: { turns: 3, inputTokens: 1000, outputTokens: 200, costUsd: 0.05 } },
      { attempt: 2, usage: { turns: 2, inputTokens: 500, outputTokens: 100, costUsd: 1.5 } },
    ]);
    expect(table.split("\n")).toEqual([
      "**Agent usage**",
      "",
      "| attempt | turns | tokens (in / out) | cost |",
      "| --- | --- | --- | --- |",
      "| 1 | 3 | 1,200 (1,000 / 200) | $0.0500 |",
      "| 2 | 2 | 600 (500 / 100) | $1.50 |",
      "| **total** | 5 | 1,800 | $1.55 |",
    ]);
  });

  it('says "not reported" (never 0) for what a backend did not report, and how many attempts the total covers', () => {
    const table = usageTable([{ attempt: 1, usage: { turns: 4, inputTokens: 100, outputTokens: 10 } }, { attempt: 2 }]);
    expect(table).toContain("| 1 | 4 | 110 (100 / 10) | not reported |");
    expect(table).toContain("| 2 | not reported | not reported | not reported |");
    expect(table).toContain("| **total** | 4 (1 of 2 attempts reported) | 110 (1 of 2 attempts reported) | not reported |");
    expect(usageTable([{ attempt: 1 }])).not.toMatch(/\b0\b/);
  });

  it('has a "review" row when the review agent reported usage, counted in the total', () => {
    const table = usageTable([{ attempt: 1, usage: { turns: 3, inputTokens: 1000, outputTokens: 200, costUsd: 0.05 } }], {
      turns: 1,
      inputTokens: 300,
      outputTokens: 30,
    });
    expect(table.split("\n").slice(4)).toEqual([
      "| 1 | 3 | 1,200 (1,000 / 200) | $0.0500 |",
      "| review | 1 | 330 (300 / 30) | not reported |",
      "| **total** | 4 | 1,530 | $0.0500 (review not reported) |",
    ]);
    expect(usageTable([{ attempt: 1, usage: { turns: 3 } }])).not.toContain("review");
  });

  it("a usage line leaves out what was not reported; nothing reported, no line", () => {
    expect(usageLine({ turns: 1, inputTokens: 10, outputTokens: 2, costUsd: 1.5 })).toBe("1 turn · 12 tokens (10 in / 2 out) · $1.50");
    expect(usageLine({ inputTokens: 5000, outputTokens: 400 })).toBe("5,400 tokens (5,000 in / 400 out)");
    expect(usageLine({})).toBeUndefined();
    expect(usageLine(undefined)).toBeUndefined();
  });

  it("the chunks of a review add up field by field; a field no chunk reported stays unreported", () => {
    expect(sumReported([{ turns: 1, inputTokens: 10 }, undefined, { turns: 2, outputTokens: 5 }])).toEqual({
      turns: 3,
      inputTokens: 10,
      outputTokens: 5,
    });
    expect(sumReported([undefined, {}])).toBeUndefined();
  });

  it("the pull request body carries the same table", () => {
    const { body } = renderPullRequest({
      issue: { number: 1, title: "t" },
      agentSummary: "s",
      files: ["a.js"],
      insertions: 1,
      deletions: 1,
      attempts: 1,
      tests: { passed: true, command: "npm test", exitCode: 0, timedOut: false, outputTail: "", durationMs: 5 },
      runId: "r",
      usage: [{ attempt: 1, usage: { turns: 1, costUsd: 2 } }],
    });
    expect(body).toContain("## Agent usage\n| attempt | turns | tokens (in / out) | cost |");
    expect(body).toContain("| 1 | 1 | not reported | $2.00 |");
  });
});
