import { describe, expect, it } from "vitest";
import { addSpend, initialSpendState, spendTotals } from "../../src/spend/ledger-state.js";

const DEC_2 = Date.UTC(2026, 11, 2, 8, 0);
const DEC_3 = Date.UTC(2026, 11, 3, 8, 0);

describe("the spend ledger's state", () => {
  it("adds an attempt's usage to the org's and the repository's day and month, once per key", () => {
    const state = initialSpendState();
    expect(addSpend(state, { key: "run-1#1", repo: "Calc", at: DEC_2, tokens: 1000, costUsd: 0.5 })).toBe(true);
    // The same step replayed: nothing is added twice.
    expect(addSpend(state, { key: "run-1#1", repo: "Calc", at: DEC_2, tokens: 1000, costUsd: 0.5 })).toBe(false);
    addSpend(state, { key: "run-2#1", repo: "other", at: DEC_2, tokens: 10, costUsd: 0 });
    expect(spendTotals(state, "calc", DEC_2)).toEqual({
      "org-day": { tokens: 1010, costUsd: 0.5 },
      "org-month": { tokens: 1010, costUsd: 0.5 },
      "repo-day": { tokens: 1000, costUsd: 0.5 },
      "repo-month": { tokens: 1000, costUsd: 0.5 },
    });
    // The next UTC day starts empty; the month goes on.
    expect(spendTotals(state, "calc", DEC_3)).toMatchObject({ "org-day": { tokens: 0 }, "org-month": { tokens: 1010 } });
  });

  it("forgets periods older than last month", () => {
    const state = initialSpendState();
    addSpend(state, { key: "old#1", repo: "calc", at: Date.UTC(2026, 8, 1), tokens: 5, costUsd: 0 });
    addSpend(state, { key: "new#1", repo: "calc", at: DEC_2, tokens: 7, costUsd: 0 });
    expect(Object.keys(state.added)).toEqual(["new#1"]);
    expect(Object.keys(state.sums).every((k) => k.includes("2026-12"))).toBe(true);
  });
});
