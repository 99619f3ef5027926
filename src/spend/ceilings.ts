import type { RepoConfig } from "../config/repo.schema.js";
import type { SpendEnv } from "../config/spend-env.js";

type Budgets = RepoConfig["budgets"];
type BudgetField = keyof Budgets;

/** The most a repository's `budgets` may ask for one run; undefined fields have no ceiling. */
export type BudgetCeilings = Partial<Record<BudgetField, number>>;

const SETTING: Record<BudgetField, keyof SpendEnv> = {
  runMinutes: "FIXBOT_MAX_BUDGET_RUN_MINUTES",
  turns: "FIXBOT_MAX_BUDGET_TURNS",
  tokens: "FIXBOT_MAX_BUDGET_TOKENS",
  costUsd: "FIXBOT_MAX_BUDGET_COST_USD",
};

/** The ceilings from the operator's settings. Pure. */
export function ceilingsFromEnv(env: SpendEnv): BudgetCeilings {
  const out: BudgetCeilings = {};
  for (const [field, name] of Object.entries(SETTING) as Array<[BudgetField, keyof SpendEnv]>)
    if (env[name] !== undefined) out[field] = env[name];
  return out;
}

export type CeilingCheck = { ok: true; budgets: Budgets } | { ok: false; problems: string[] };

const show = (field: BudgetField, n: number) => (field === "costUsd" ? `$${n}` : n.toLocaleString("en-US"));

/**
 * A repository asking (in its `.github/fixbot.yml`) for more than a ceiling is refused, naming the ceiling; a
 * budget it did not state (fixbot's default) is lowered to the ceiling instead. `stated` is the raw `budgets`
 * section as written. Pure.
 */
export function applyCeilings(budgets: Budgets, stated: unknown, ceilings: BudgetCeilings): CeilingCheck {
  const written = (stated && typeof stated === "object" ? stated : {}) as Partial<Record<BudgetField, unknown>>;
  const problems: string[] = [];
  const out = { ...budgets };
  for (const field of Object.keys(SETTING) as BudgetField[]) {
    const ceiling = ceilings[field];
    if (ceiling === undefined || budgets[field] <= ceiling) continue;
    if (written[field] === undefined) out[field] = ceiling;
    else
      problems.push(
        `\`budgets.${field}\` asks for ${show(field, budgets[field])}, more than this fixbot's ceiling of ${show(field, ceiling)} (${SETTING[field]}, set by its operator): ask for at most ${show(field, ceiling)}.`,
      );
  }
  return problems.length ? { ok: false, problems } : { ok: true, budgets: out };
}
