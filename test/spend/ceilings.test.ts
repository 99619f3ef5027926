import { describe, expect, it } from "vitest";
import { parseRepoConfig } from "../../src/config/repo.schema.js";
import { applyCeilings, ceilingsFromEnv } from "../../src/spend/ceilings.js";

function budgetsOf(raw: object) {
  const parsed = parseRepoConfig(raw);
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  return parsed.config.budgets;
}

describe("operator ceilings on a repository's budgets", () => {
  it("refuses a stated budget above its ceiling, naming the field, the ceiling and its setting", () => {
    const raw = { budgets: { tokens: 10_000_000, costUsd: 200 } };
    const result = applyCeilings(
      budgetsOf(raw),
      raw.budgets,
      ceilingsFromEnv({ FIXBOT_MAX_BUDGET_TOKENS: 2_000_000, FIXBOT_MAX_BUDGET_COST_USD: 50 }),
    );
    expect(result).toEqual({
      ok: false,
      problems: [
        "`budgets.tokens` asks for 10,000,000, more than this fixbot's ceiling of 2,000,000 (FIXBOT_MAX_BUDGET_TOKENS, set by its operator): ask for at most 2,000,000.",
        "`budgets.costUsd` asks for $200, more than this fixbot's ceiling of $50 (FIXBOT_MAX_BUDGET_COST_USD, set by its operator): ask for at most $50.",
      ],
    });
  });

  it("lowers a default the repository did not state to the ceiling, and keeps what is within it", () => {
    const raw = { budgets: { turns: 20 } };
    const result = applyCeilings(budgetsOf(raw), raw.budgets, { tokens: 1_000_000, turns: 50, runMinutes: 30 });
    expect(result).toEqual({ ok: true, budgets: { runMinutes: 30, turns: 20, tokens: 1_000_000, costUsd: 25 } });
  });

  it("without ceilings, the repository's budgets stand", () => {
    const raw = { budgets: { tokens: 900_000_000 } };
    expect(applyCeilings(budgetsOf(raw), raw.budgets, {})).toEqual({ ok: true, budgets: budgetsOf(raw) });
  });
});
