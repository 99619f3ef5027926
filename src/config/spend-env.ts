import { z } from "zod";

const optionalInt = z.coerce.number().int().min(1).optional();
const optionalUsd = z.coerce.number().min(0.01).optional();

/**
 * The operator's ceilings: the most a repository's `.github/fixbot.yml` may ask for one run (`budgets`), and
 * spend windows per org and per repository, per UTC day and per UTC month, in tokens and/or US dollars. Unset:
 * no ceiling. Spend counts what agents report (src/agents/usage.ts).
 */
export const SpendEnvSchema = z.object({
  FIXBOT_MAX_BUDGET_RUN_MINUTES: optionalInt,
  FIXBOT_MAX_BUDGET_TURNS: optionalInt,
  FIXBOT_MAX_BUDGET_TOKENS: optionalInt,
  FIXBOT_MAX_BUDGET_COST_USD: optionalUsd,
  FIXBOT_SPEND_ORG_DAY_TOKENS: optionalInt,
  FIXBOT_SPEND_ORG_DAY_COST_USD: optionalUsd,
  FIXBOT_SPEND_ORG_MONTH_TOKENS: optionalInt,
  FIXBOT_SPEND_ORG_MONTH_COST_USD: optionalUsd,
  FIXBOT_SPEND_REPO_DAY_TOKENS: optionalInt,
  FIXBOT_SPEND_REPO_DAY_COST_USD: optionalUsd,
  FIXBOT_SPEND_REPO_MONTH_TOKENS: optionalInt,
  FIXBOT_SPEND_REPO_MONTH_COST_USD: optionalUsd,
});

export type SpendEnv = z.infer<typeof SpendEnvSchema>;
