import { describe, expect, it } from "vitest";
import {
  periodsOf,
  resetsAt,
  reviewSkippedText,
  spendLimitsFromEnv,
  spendWindowError,
  usedUpWindow,
  type SpendTotals,
} from "../../src/spend/windows.js";

const zero = { tokens: 0, costUsd: 0 };
const totals = (over: Partial<SpendTotals>): SpendTotals => ({
  "org-day": zero,
  "org-month": zero,
  "repo-day": zero,
  "repo-month": zero,
  ...over,
});
const NOON = Date.UTC(2026, 11, 31, 12, 0, 0);

describe("spend windows", () => {
  it("periods and resets follow UTC day and month boundaries (a year's last day resets into the next year)", () => {
    expect(periodsOf(NOON)).toEqual({ day: "2026-12-31", month: "2026-12" });
    expect(new Date(resetsAt("org-day", NOON)).toISOString()).toBe("2027-01-01T00:00:00.000Z");
    expect(new Date(resetsAt("repo-month", Date.UTC(2026, 1, 10))).toISOString()).toBe("2026-03-01T00:00:00.000Z");
    expect(new Date(resetsAt("repo-day", Date.UTC(2026, 1, 28, 23, 59, 59))).toISOString()).toBe("2026-03-01T00:00:00.000Z");
  });

  it("reads only the windows the operator set", () => {
    expect(spendLimitsFromEnv({ FIXBOT_SPEND_ORG_DAY_TOKENS: 1000, FIXBOT_SPEND_REPO_MONTH_COST_USD: 5 })).toEqual({
      "org-day": { tokens: 1000 },
      "repo-month": { costUsd: 5 },
    });
    expect(spendLimitsFromEnv({})).toEqual({});
  });

  it("a window is used up once spend reaches its limit, in tokens or cost; below it, nothing is refused", () => {
    const limits = { "org-day": { tokens: 1000 }, "repo-month": { costUsd: 5 } };
    expect(usedUpWindow(totals({ "org-day": { tokens: 999, costUsd: 9 } }), limits, NOON)).toBeUndefined();
    expect(usedUpWindow(totals({ "org-day": { tokens: 1000, costUsd: 0 } }), limits, NOON)).toEqual({
      window: "org-day",
      unit: "tokens",
      used: 1000,
      limit: 1000,
      resetsAt: Date.UTC(2027, 0, 1),
    });
    expect(usedUpWindow(totals({ "repo-month": { tokens: 0, costUsd: 5.5 } }), limits, NOON)).toMatchObject({
      window: "repo-month",
      unit: "cost",
      resetsAt: Date.UTC(2027, 0, 1),
    });
    // An unlimited window never refuses, however much was spent.
    expect(usedUpWindow(totals({ "repo-day": { tokens: 1e9, costUsd: 1e6 } }), limits, NOON)).toBeUndefined();
  });

  it("the refusal names the window, the amounts, the setting and the reset time", () => {
    const error = spendWindowError({
      usedUp: { window: "org-day", unit: "tokens", used: 1200, limit: 1000, resetsAt: Date.UTC(2027, 0, 1) },
      org: "acme",
      repo: "calc",
      step: "run-agent#1",
      started: false,
    });
    expect(error.message).toBe(
      "The run was not started: today's (UTC) spend window of the acme organization is used up (1,200 of 1,000 tokens, FIXBOT_SPEND_ORG_DAY_TOKENS). Nothing was pushed.",
    );
    expect(error.hint).toContain("resets at 2027-01-01T00:00:00Z");
    const stopped = spendWindowError({
      usedUp: { window: "repo-month", unit: "cost", used: 5.5, limit: 5, resetsAt: Date.UTC(2027, 0, 1) },
      org: "acme",
      repo: "calc",
      step: "run-agent#2",
      started: true,
    });
    expect(stopped.message).toContain(
      "The run was stopped: this month's (UTC) spend window of acme/calc is used up ($5.50 of $5.00, FIXBOT_SPEND_REPO_MONTH_COST_USD)",
    );
  });

  it("a skipped review of a fix names the window, the amounts, the setting and the reset time", () => {
    const text = reviewSkippedText({
      usedUp: { window: "repo-day", unit: "tokens", used: 1100, limit: 1000, resetsAt: Date.UTC(2026, 11, 3) },
      org: "acme",
      repo: "calc",
    });
    expect(text).toBe(
      "not run: today's (UTC) spend window of acme/calc is used up (1,100 of 1,000 tokens, FIXBOT_SPEND_REPO_DAY_TOKENS). The window resets at 2026-12-03T00:00:00Z; comment `/fixbot review` on the pull request after that, or ask the operator to raise FIXBOT_SPEND_REPO_DAY_TOKENS.",
    );
  });
});
