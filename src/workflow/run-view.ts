import type { RunStatus, RunView, StepView } from "./types.js";

/**
 * Pure transitions of the run's view. Steps call these on the actor state; the tracking comment renders the
 * result. Keeping them pure makes "what the user sees" testable without an engine.
 */

export function newRunView(params: {
  runId: string;
  issueNumber: number;
  requestedBy: string;
  branch: string;
  maxAttempts: number;
  now: number;
}): RunView {
  return {
    runId: params.runId,
    status: "running",
    issueNumber: params.issueNumber,
    requestedBy: params.requestedBy,
    branch: params.branch,
    maxAttempts: params.maxAttempts,
    attempts: 0,
    steps: [],
    startedAt: params.now,
  };
}

/** Anything with a checklist of steps: a fix run's view, a review run. */
type Steps = { steps: StepView[] };

function upsertStep<V extends Steps>(view: V, name: string, change: (step: StepView) => StepView): V {
  const index = view.steps.findIndex((s) => s.name === name);
  const current: StepView = index >= 0 ? view.steps[index]! : { name, status: "pending", starts: 0 };
  const steps = [...view.steps];
  if (index >= 0) steps[index] = change(current);
  else steps.push(change(current));
  return { ...view, steps };
}

/** A step begins (or begins again after a retry or a crash: `starts` counts both). */
export function stepStarted<V extends Steps>(view: V, name: string, now: number): V {
  return upsertStep(view, name, (s) => ({
    ...s,
    status: "running",
    starts: s.starts + 1,
    startedAt: now,
    durationMs: undefined,
    detail: undefined,
  }));
}

export function stepFinished<V extends Steps>(view: V, name: string, now: number, detail?: string): V {
  return upsertStep(view, name, (s) => ({
    ...s,
    status: "done",
    durationMs: s.startedAt === undefined ? undefined : now - s.startedAt,
    detail,
  }));
}

/** A step whose result a retried run takes from the run it continues: shown done, marked as reused. */
export function stepReused<V extends RunView>(view: V, name: string, fromRunId: string): V {
  return upsertStep(view, name, (s) => ({ ...s, status: "done", detail: `reused from run ${fromRunId}` }));
}

export function stepFailed<V extends Steps>(view: V, name: string, now: number, detail: string): V {
  return upsertStep(view, name, (s) => ({
    ...s,
    status: "failed",
    durationMs: s.startedAt === undefined ? undefined : now - s.startedAt,
    detail,
  }));
}

/** Ends the run. Any step still marked running (it threw past our wrapper, or the job was cut) is marked failed. */
export function runFinished<V extends RunView>(view: V, status: RunStatus, now: number, extra: Partial<V> = {}): V {
  const steps = view.steps.map((s) =>
    s.status === "running" ? { ...s, status: "failed" as const, durationMs: s.startedAt === undefined ? undefined : now - s.startedAt } : s,
  );
  return { ...view, ...extra, steps, status, finishedAt: now };
}
