import type { SpendEnv } from "../config/spend-env.js";

export type WindowName = "org-day" | "org-month" | "repo-day" | "repo-month";
export const WINDOW_NAMES: readonly WindowName[] = ["org-day", "org-month", "repo-day", "repo-month"];

export interface Spent {
  tokens: number;
  costUsd: number;
}

/** What a spend window allows; an unset field has no limit. */
export type SpendLimits = Partial<Record<WindowName, { tokens?: number; costUsd?: number }>>;
export type SpendTotals = Record<WindowName, Spent>;

/** The spend windows from the operator's settings. Pure. */
export function spendLimitsFromEnv(env: SpendEnv): SpendLimits {
  const pick = (tokens: number | undefined, costUsd: number | undefined) =>
    tokens === undefined && costUsd === undefined
      ? undefined
      : { ...(tokens !== undefined ? { tokens } : {}), ...(costUsd !== undefined ? { costUsd } : {}) };
  const limits: SpendLimits = {};
  const set = (name: WindowName, value: ReturnType<typeof pick>) => value && (limits[name] = value);
  set("org-day", pick(env.FIXBOT_SPEND_ORG_DAY_TOKENS, env.FIXBOT_SPEND_ORG_DAY_COST_USD));
  set("org-month", pick(env.FIXBOT_SPEND_ORG_MONTH_TOKENS, env.FIXBOT_SPEND_ORG_MONTH_COST_USD));
  set("repo-day", pick(env.FIXBOT_SPEND_REPO_DAY_TOKENS, env.FIXBOT_SPEND_REPO_DAY_COST_USD));
  set("repo-month", pick(env.FIXBOT_SPEND_REPO_MONTH_TOKENS, env.FIXBOT_SPEND_REPO_MONTH_COST_USD));
  return limits;
}

export function hasSpendLimits(limits: SpendLimits | undefined): boolean {
  return Boolean(limits && Object.keys(limits).length > 0);
}

/** The UTC day (`2026-12-02`) and month (`2026-12`) `at` falls in. Pure. */
export function periodsOf(at: number): { day: string; month: string } {
  const iso = new Date(at).toISOString();
  return { day: iso.slice(0, 10), month: iso.slice(0, 7) };
}

/** When the window that holds `now` ends: the next UTC midnight, or the first of next month at 00:00 UTC. Pure. */
export function resetsAt(window: WindowName, now: number): number {
  const d = new Date(now);
  if (window.endsWith("-day")) return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export interface UsedUp {
  window: WindowName;
  unit: "tokens" | "cost";
  used: number;
  limit: number;
  resetsAt: number;
}

/** The first spend window that is used up (spent at least its limit), if any. Pure. */
export function usedUpWindow(totals: SpendTotals, limits: SpendLimits, now: number): UsedUp | undefined {
  for (const window of WINDOW_NAMES) {
    const limit = limits[window];
    if (!limit) continue;
    const spent = totals[window];
    if (limit.tokens !== undefined && spent.tokens >= limit.tokens)
      return { window, unit: "tokens", used: spent.tokens, limit: limit.tokens, resetsAt: resetsAt(window, now) };
    if (limit.costUsd !== undefined && spent.costUsd >= limit.costUsd)
      return { window, unit: "cost", used: spent.costUsd, limit: limit.costUsd, resetsAt: resetsAt(window, now) };
  }
  return undefined;
}

const SETTING: Record<WindowName, string> = {
  "org-day": "FIXBOT_SPEND_ORG_DAY",
  "org-month": "FIXBOT_SPEND_ORG_MONTH",
  "repo-day": "FIXBOT_SPEND_REPO_DAY",
  "repo-month": "FIXBOT_SPEND_REPO_MONTH",
};

/**
 * What a used-up window means, in words: `today's (UTC) spend window of acme/calc is used up (1,200 of 1,000
 * tokens, FIXBOT_SPEND_REPO_DAY_TOKENS)`, the setting that raises it and when the window resets. Pure.
 */
export function usedUpText(params: { usedUp: UsedUp; org: string; repo: string }): { usedUp: string; setting: string; resets: string } {
  const { usedUp } = params;
  const who = usedUp.window.startsWith("org") ? `the ${params.org} organization` : `${params.org}/${params.repo}`;
  const period = usedUp.window.endsWith("day") ? "today's (UTC)" : "this month's (UTC)";
  const amount =
    usedUp.unit === "tokens"
      ? `${usedUp.used.toLocaleString("en-US")} of ${usedUp.limit.toLocaleString("en-US")} tokens`
      : `$${usedUp.used.toFixed(2)} of $${usedUp.limit.toFixed(2)}`;
  const setting = `${SETTING[usedUp.window]}_${usedUp.unit === "tokens" ? "TOKENS" : "COST_USD"}`;
  const resets = new Date(usedUp.resetsAt).toISOString().replace(".000Z", "Z");
  return { usedUp: `${period} spend window of ${who} is used up (${amount}, ${setting})`, setting, resets };
}

/** The run's error when a spend window is used up: which window, how much, and when it resets. Pure. */
export function spendWindowError(params: { usedUp: UsedUp; org: string; repo: string; step: string; started: boolean }): {
  step: string;
  message: string;
  hint: string;
} {
  const text = usedUpText(params);
  return {
    step: params.step,
    message: `${params.started ? "The run was stopped" : "The run was not started"}: ${text.usedUp}. Nothing was pushed.`,
    hint: `The window resets at ${text.resets}; label the issue again after that, or ask the operator to raise ${text.setting}.`,
  };
}

/** Why the review of a fix did not run (the pull request is open already): which window, and when it resets. Pure. */
export function reviewSkippedText(params: { usedUp: UsedUp; org: string; repo: string }): string {
  const text = usedUpText(params);
  return `not run: ${text.usedUp}. The window resets at ${text.resets}; comment \`/fixbot review\` on the pull request after that, or ask the operator to raise ${text.setting}.`;
}
