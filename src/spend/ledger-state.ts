import { periodsOf, type SpendTotals, type Spent } from "./windows.js";

/** The spend actor's state: sums per (scope, period) and the additions already counted. Plain JSON. */
export interface SpendState {
  /** `org|day|2026-12-02`, `repo:<name>|month|2026-12` -> spent. */
  sums: Record<string, Spent>;
  /** Addition key (run id + attempt) -> the month it was counted in: a replayed step adds nothing twice. */
  added: Record<string, string>;
}

export interface SpendAddition {
  /** Unique per counted usage: `<run id>#<attempt>`. */
  key: string;
  repo: string;
  at: number;
  tokens: number;
  costUsd: number;
}

export const initialSpendState = (): SpendState => ({ sums: {}, added: {} });

const keysOf = (repo: string, at: number) => {
  const { day, month } = periodsOf(at);
  const r = `repo:${repo.toLowerCase()}`;
  return {
    "org-day": `org|day|${day}`,
    "org-month": `org|month|${month}`,
    "repo-day": `${r}|day|${day}`,
    "repo-month": `${r}|month|${month}`,
  } as const;
};

/** Adds usage once per key; older periods than last month are forgotten. Returns false when already counted. Pure (mutates `state`). */
export function addSpend(state: SpendState, entry: SpendAddition): boolean {
  if (state.added[entry.key] !== undefined) return false;
  const { month } = periodsOf(entry.at);
  state.added[entry.key] = month;
  for (const key of Object.values(keysOf(entry.repo, entry.at))) {
    const sum = state.sums[key] ?? { tokens: 0, costUsd: 0 };
    state.sums[key] = { tokens: sum.tokens + entry.tokens, costUsd: sum.costUsd + entry.costUsd };
  }
  prune(state, entry.at);
  return true;
}

/** What the org and the repository have spent in the windows holding `now`. Pure. */
export function spendTotals(state: SpendState, repo: string, now: number): SpendTotals {
  const keys = keysOf(repo, now);
  const get = (key: string): Spent => state.sums[key] ?? { tokens: 0, costUsd: 0 };
  return {
    "org-day": get(keys["org-day"]),
    "org-month": get(keys["org-month"]),
    "repo-day": get(keys["repo-day"]),
    "repo-month": get(keys["repo-month"]),
  };
}

function prune(state: SpendState, now: number): void {
  const d = new Date(now);
  const keep = periodsOf(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).month;
  for (const [key, month] of Object.entries(state.added)) if (month < keep) delete state.added[key];
  for (const key of Object.keys(state.sums)) if ((key.split("|")[2] ?? "").slice(0, 7) < keep) delete state.sums[key];
}
