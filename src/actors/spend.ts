import { actor } from "rivetkit";
import { addSpend, initialSpendState, spendTotals, type SpendAddition } from "../spend/ledger-state.js";
import type { SpendTotals } from "../spend/windows.js";

/** The spend actor's key: one per org (or user) login, lower case. */
export function spendKey(org: string): string[] {
  return [org.toLowerCase()];
}

/**
 * What an org's agents have spent, per UTC day and month, for the org and each repository: durable (actor
 * state in the engine) and shared by every fixbot process. Additions are keyed by run id + attempt, so a
 * replayed workflow step adds nothing twice.
 */
export function createSpendActor() {
  return actor({
    state: initialSpendState(),
    actions: {
      add: (c, entry: SpendAddition): boolean => addSpend(c.state, entry),
      totals: (c, repo: string, now: number): SpendTotals => spendTotals(c.state, repo, now),
    },
  });
}
