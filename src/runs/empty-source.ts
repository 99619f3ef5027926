import type { RunsSource } from "./run-summary.js";

/** A source with no runs: what the intake serves until the runs index is wired in. */
export const emptyRunsSource: RunsSource = {
  list: async () => [],
  get: async () => undefined,
};
