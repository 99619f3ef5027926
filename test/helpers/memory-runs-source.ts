import type { RunsFilter, RunsSource, RunSummary } from "../../src/runs/run-summary.js";

/** An in-memory RunsSource whose runs a test changes while the page is open. */
export interface MemoryRunsSource extends RunsSource {
  put(run: RunSummary): void;
  /** The run as stored (throws when there is none). */
  peek(id: string): RunSummary;
  update(id: string, change: (run: RunSummary) => RunSummary): void;
}

export function memoryRunsSource(initial: RunSummary[] = []): MemoryRunsSource {
  const runs = new Map(initial.map((r) => [r.id, structuredClone(r)]));
  const matches = (r: RunSummary, f: RunsFilter) =>
    (!f.status || r.status === f.status) && (!f.repo || r.repo === f.repo) && (!f.repos || f.repos.includes(r.repo));
  return {
    list: async (filter) =>
      [...runs.values()]
        .filter((r) => matches(r, filter))
        .sort((a, b) => b.startedAt - a.startedAt)
        .slice(0, filter.limit ?? Infinity)
        .map((r) => structuredClone(r)),
    get: async (id) => (runs.has(id) ? structuredClone(runs.get(id)) : undefined),
    put: (run) => void runs.set(run.id, structuredClone(run)),
    peek: (id) => {
      const run = runs.get(id);
      if (!run) throw new Error(`no run ${id}`);
      return structuredClone(run);
    },
    update: (id, change) => {
      const run = runs.get(id);
      if (!run) throw new Error(`no run ${id}`);
      runs.set(id, change(structuredClone(run)));
    },
  };
}
