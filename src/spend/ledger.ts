import type { Client } from "rivetkit/client";
import type { FixbotRegistry } from "../actors/index.js";
import { spendKey } from "../actors/spend.js";
import type { SpendAddition } from "./ledger-state.js";
import type { SpendTotals } from "./windows.js";

/** Where spend is kept: the org's spend actor (tests may pass another). */
export interface SpendLedger {
  totals(org: string, repo: string, now: number): Promise<SpendTotals>;
  /** False when this key was counted already. */
  add(org: string, entry: SpendAddition): Promise<boolean>;
}

/** The ledger on the spend actors, through a client made once the registry runs. */
export function actorSpendLedger(client: () => Client<FixbotRegistry>): SpendLedger {
  return {
    totals: (org, repo, now) => client().spend.getOrCreate(spendKey(org)).totals(repo, now),
    add: (org, entry) => client().spend.getOrCreate(spendKey(org)).add(entry),
  };
}
