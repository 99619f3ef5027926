import { readUntrustedFile } from "../util/read-untrusted.js";

/**
 * What an agent reports it has used, cumulatively for the current attempt. A command agent writes it as JSON to
 * the file named by FIXBOT_USAGE_FILE (any subset of the fields, rewritten as it goes); fixbot reads it while
 * the agent runs and stops the agent when a budget is used up.
 */
export interface Usage {
  turns?: number;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
}

export type BudgetName = "turns" | "tokens" | "cost";

/** Limits for one attempt (what is left of the run's budgets). Undefined fields are unlimited. */
export interface UsageBudget {
  turns?: number;
  tokens?: number;
  costUsd?: number;
}

export function totalTokens(usage: Usage): number {
  return (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
}

/** Which budget `usage` has used up, if any. Pure. */
export function exceededBudget(usage: Usage, budget: UsageBudget): BudgetName | undefined {
  if (budget.turns !== undefined && (usage.turns ?? 0) > budget.turns) return "turns";
  if (budget.tokens !== undefined && totalTokens(usage) > budget.tokens) return "tokens";
  if (budget.costUsd !== undefined && (usage.costUsd ?? 0) > budget.costUsd) return "cost";
  return undefined;
}

/** Adds usages up (attempts of one run). Pure. */
export function addUsage(a: Usage, b: Usage): Usage {
  return {
    turns: (a.turns ?? 0) + (b.turns ?? 0),
    inputTokens: (a.inputTokens ?? 0) + (b.inputTokens ?? 0),
    outputTokens: (a.outputTokens ?? 0) + (b.outputTokens ?? 0),
    costUsd: (a.costUsd ?? 0) + (b.costUsd ?? 0),
  };
}

/** What is left of `budget` after `used`. Pure. */
export function remainingBudget(budget: UsageBudget, used: Usage): UsageBudget {
  return {
    turns: budget.turns === undefined ? undefined : Math.max(0, budget.turns - (used.turns ?? 0)),
    tokens: budget.tokens === undefined ? undefined : Math.max(0, budget.tokens - totalTokens(used)),
    costUsd: budget.costUsd === undefined ? undefined : Math.max(0, budget.costUsd - (used.costUsd ?? 0)),
  };
}

/** Parses the usage file's text; anything malformed counts as no report (never as zero usage claimed). */
export function parseUsage(text: string): Usage | undefined {
  try {
    const data = JSON.parse(text) as Record<string, unknown>;
    const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined);
    const usage: Usage = {
      turns: num(data.turns),
      inputTokens: num(data.inputTokens),
      outputTokens: num(data.outputTokens),
      costUsd: num(data.costUsd),
    };
    return Object.values(usage).some((v) => v !== undefined) ? usage : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Polls the usage file while the agent runs and calls `onExceeded` once a budget is used up. Returns a stop
 * function that gives the last usage seen.
 */
export function watchUsage(params: {
  file: string;
  budget: UsageBudget;
  intervalMs?: number;
  onExceeded: (name: BudgetName) => void;
}): () => Promise<Usage | undefined> {
  let last: Usage | undefined;
  let fired = false;
  const read = async () => {
    // The agent writes this file: a link, a FIFO or a huge file must not hang or flood fixbot.
    const read = await readUntrustedFile(params.file, 64 * 1024).catch(() => undefined);
    const usage = read && "text" in read ? parseUsage(read.text) : undefined;
    if (usage) last = usage;
    const name = last ? exceededBudget(last, params.budget) : undefined;
    if (name && !fired) {
      fired = true;
      params.onExceeded(name);
    }
  };
  const timer = setInterval(() => void read(), params.intervalMs ?? 250);
  return async () => {
    clearInterval(timer);
    await read();
    return last;
  };
}

/**
 * Adds up the usages that were reported (the chunks of one review): each field over the reports that hold it, so
 * a field nobody reported stays unreported (never 0). Undefined when nothing was reported at all. Pure.
 */
export function sumReported(usages: ReadonlyArray<Usage | undefined>): Usage | undefined {
  const fields = ["turns", "inputTokens", "outputTokens", "costUsd"] as const;
  const sum: Usage = {};
  for (const usage of usages) for (const field of fields) if (usage?.[field] !== undefined) sum[field] = (sum[field] ?? 0) + usage[field];
  return fields.some((f) => sum[f] !== undefined) ? sum : undefined;
}
