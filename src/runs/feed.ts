import type { FixJob, RunRecord } from "../workflow/types.js";
import { fixRunSummary } from "./fix-run-summary.js";
import { INDEX_TIMEOUTS, type RunsIndexWriter, type WriteOptions } from "./index-client.js";

/** A run's last update is tried more than once (no later update would carry it again). */
export const FINAL_WRITE: WriteOptions = { attempts: 3, budgetMs: INDEX_TIMEOUTS.finalWrite };

/** The fix workflow's report to the runs index (RunIO.index): the run's summary, when the index lists it. */
export function indexFixRun(writer: RunsIndexWriter, job: FixJob, now: () => number) {
  return async (view: RunRecord, final = false): Promise<void> => {
    const summary = fixRunSummary(job, view, now());
    if (summary) await writer.upsert(summary, final ? FINAL_WRITE : {});
  };
}
