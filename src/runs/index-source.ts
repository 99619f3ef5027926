import { listLimit, newestFirst } from "./index-state.js";
import type { RunsIndexReader } from "./index-client.js";
import type { RunSummary, RunsFilter, RunsSource } from "./run-summary.js";

/** Several installations' lists as one: newest first, at most the filter's limit. Pure. */
export function mergeLists(lists: RunSummary[][], limit: number | undefined): RunSummary[] {
  return lists.flat().sort(newestFirst).slice(0, listLimit(limit));
}

/**
 * The runs of every installation that has a runs index (the catalog lists them), through bounded reads: a slow
 * or missing index makes `list`/`get` throw RunsIndexUnavailable (the API answers 503), never hang. `repos`
 * narrows to the signed-in person's repositories (the page); an empty list shows nothing.
 */
export function indexRunsSource(reader: RunsIndexReader): RunsSource {
  return {
    async list(filter: RunsFilter) {
      if (filter.repos && filter.repos.length === 0) return [];
      const installations = await reader.installations();
      const lists = await Promise.all(installations.map((id) => reader.list(id, filter)));
      return mergeLists(lists, filter.limit);
    },
    async get(id: string) {
      const installations = await reader.installations();
      const found = await Promise.all(installations.map((inst) => reader.get(inst, id)));
      return found.find((run): run is RunSummary => run !== null) ?? undefined;
    },
  };
}
