import type { RunSummary, RunsFilter } from "./run-summary.js";

/** What one installation's runs index keeps: the RunSummary of each run, by run id. Plain JSON (actor state). */
export interface RunsIndexState {
  runs: Record<string, RunSummary>;
}

export interface IndexLimits {
  /** Runs kept at most; past it the oldest finished runs go first. */
  cap: number;
  /** Runs (newest first) that keep their long texts (test tail, agent summary, review); older ones keep the rest. */
  detailed: number;
}

export const INDEX_LIMITS: IndexLimits = { cap: 2_000, detailed: 200 };
/** What `list` returns when no limit is asked for, and the most it returns. */
export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 200;

export function initialRunsIndexState(): RunsIndexState {
  return { runs: {} };
}

/**
 * True when `incoming` should replace `existing`: a finished run is never replaced by an unfinished summary
 * (a late write from before the end), and otherwise the newer `updatedAt` wins (equal: the incoming one, so a
 * repeated write is harmless). Pure.
 */
export function supersedes(incoming: RunSummary, existing: RunSummary | undefined): boolean {
  if (!existing) return true;
  const incomingDone = incoming.finishedAt !== undefined;
  const existingDone = existing.finishedAt !== undefined;
  if (incomingDone !== existingDone) return incomingDone;
  return (incoming.updatedAt ?? 0) >= (existing.updatedAt ?? 0);
}

/** Newest first: by start time, then by id (a stable order for runs started in the same millisecond). Pure. */
export function newestFirst(a: RunSummary, b: RunSummary): number {
  return b.startedAt - a.startedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** The summary without its long texts (what older runs keep, and what a list returns). Pure. */
export function withoutDetail(run: RunSummary): RunSummary {
  const { testTail: _t, agentSummary: _a, reviewSummary: _r, ...rest } = run;
  return rest;
}

/** Drops the oldest runs past the cap (finished ones first) and the long texts of runs past `detailed`. */
function trim(state: RunsIndexState, limits: IndexLimits): void {
  const all = Object.values(state.runs).sort(newestFirst);
  if (all.length > limits.cap) {
    const finished = all.filter((r) => r.finishedAt !== undefined).reverse();
    const open = all.filter((r) => r.finishedAt === undefined).reverse();
    for (const victim of [...finished, ...open].slice(0, all.length - limits.cap)) delete state.runs[victim.id];
  }
  const kept = all.filter((r) => state.runs[r.id] !== undefined);
  for (const run of kept.slice(limits.detailed)) {
    if (run.testTail !== undefined || run.agentSummary !== undefined || run.reviewSummary !== undefined) {
      state.runs[run.id] = withoutDetail(run);
    }
  }
}

/** Records a run's summary unless a newer one is there (see supersedes); returns whether it changed anything. */
export function upsertRun(state: RunsIndexState, summary: RunSummary, limits: IndexLimits = INDEX_LIMITS): boolean {
  if (!supersedes(summary, state.runs[summary.id])) return false;
  state.runs[summary.id] = summary;
  trim(state, limits);
  return true;
}

/** True when the run passes the filter (repository names compare case-insensitively). Pure. */
export function matches(run: RunSummary, filter: RunsFilter): boolean {
  const repo = run.repo.toLowerCase();
  if (filter.status && run.status !== filter.status) return false;
  if (filter.repo && repo !== filter.repo.toLowerCase()) return false;
  if (filter.repos && !filter.repos.some((r) => r.toLowerCase() === repo)) return false;
  return true;
}

/** The limit a list uses: the asked one within 1..MAX_LIST_LIMIT, else the default. Pure. */
export function listLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit) || limit < 1) return DEFAULT_LIST_LIMIT;
  return Math.min(Math.floor(limit), MAX_LIST_LIMIT);
}

/** The runs passing the filter, newest first, without their long texts (a run's own read has them). Pure. */
export function listRuns(state: RunsIndexState, filter: RunsFilter): RunSummary[] {
  return Object.values(state.runs)
    .filter((r) => matches(r, filter))
    .sort(newestFirst)
    .slice(0, listLimit(filter.limit))
    .map(withoutDetail);
}
