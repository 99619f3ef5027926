import { totalTokens, type Usage } from "../agents/usage.js";
import { hasSpendLimits, usedUpWindow, type UsedUp } from "../spend/windows.js";
import type { StepDeps } from "./deps.js";

/** The ledger and the windows, when the operator set any (fix runs use it too: src/workflow/spend-steps.ts). */
export function spendOf(deps: StepDeps) {
  const spend = deps.spend;
  return spend?.ledger && hasSpendLimits(spend.limits) ? { ledger: spend.ledger, limits: spend.limits } : undefined;
}

/** Whether the operator's spend windows are kept (none set: no spend step runs at all). */
export function spendCounted(deps: StepDeps): boolean {
  return spendOf(deps) !== undefined;
}

/**
 * The spend windows before an agent runs outside a fix attempt (a pull request review): the window that is used
 * up (counted in the refusals metric), or null. Reviews are counted in the same per-org and per-repository windows.
 */
export async function checkSpendWindows(deps: StepDeps, repo: { owner: string; name: string }): Promise<UsedUp | null> {
  const spend = spendOf(deps);
  if (!spend) return null;
  const now = deps.now();
  const usedUp = usedUpWindow(await spend.ledger.totals(repo.owner, repo.name, now), spend.limits, now);
  if (!usedUp) return null;
  deps.metrics?.spendRefusals.inc({ limit: usedUp.window });
  return usedUp;
}

/**
 * Adds what an agent reported using outside a fix attempt (a review, an answer) to the org's spend, once per
 * `key` (a replayed step adds nothing twice). False when nothing was added (no windows, or counted already).
 */
export async function recordAgentSpend(
  deps: StepDeps,
  p: { repo: { owner: string; name: string }; key: string; usage: Usage | undefined },
): Promise<boolean> {
  const spend = spendOf(deps);
  if (!spend || !p.usage) return false;
  return spend.ledger.add(p.repo.owner, {
    key: p.key,
    repo: p.repo.name,
    at: deps.now(),
    tokens: totalTokens(p.usage),
    costUsd: p.usage.costUsd ?? 0,
  });
}
