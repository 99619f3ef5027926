import { actor } from "rivetkit";
import { initialRunsIndexState, listRuns, upsertRun } from "../runs/index-state.js";
import type { RunSummary, RunsFilter } from "../runs/run-summary.js";

/**
 * One per installation (key: runsIndexKey): the RunSummary of its recent runs, written by the fix and review
 * workflows' steps as they progress, read by the intake's runs API and page. Durable (actor state in the
 * engine); capped (src/runs/index-state.ts). Created once, before the first run of the installation is handed
 * over (src/runs/index-client.ts): concurrent first creations of one actor failed on the engine.
 */
export function createRunsIndexActor() {
  return actor({
    state: initialRunsIndexState(),
    actions: {
      /** Records the run's summary unless a newer one is there; false when nothing changed. Idempotent. */
      upsert: (c, summary: RunSummary): boolean => upsertRun(c.state, summary),
      /** Newest first, filtered, without the long texts. */
      list: (c, filter: RunsFilter): RunSummary[] => listRuns(c.state, filter),
      get: (c, id: string): RunSummary | null => c.state.runs[id] ?? null,
    },
  });
}

/** The installations that have a runs index (key: RUNS_CATALOG_KEY): what the runs API reads across. */
export function createRunsCatalogActor() {
  return actor({
    state: { installations: [] as number[] },
    actions: {
      add: (c, installationId: number): boolean => {
        if (c.state.installations.includes(installationId)) return false;
        c.state.installations = [...c.state.installations, installationId];
        return true;
      },
      list: (c): number[] => c.state.installations,
    },
  });
}
