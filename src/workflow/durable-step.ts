import { CriticalError } from "@rivetkit/workflow-engine";
import { engineTimeoutWithSlot, stepSlotGranted, stepWaiting, waitForStepSlot, type StepSlot } from "../limits/step-slot.js";
import { errorLine } from "../util/error-text.js";
import type { FixRunState, FlowContext } from "./flow-context.js";
import { stepFailed, stepFinished, stepStarted } from "./run-view.js";
import { savingState } from "./state-saved.js";
import type { Checkpoint, RunView, StepView } from "./types.js";

/** Retry and time policy of one named step. Every step states both explicitly. */
export interface StepPolicy {
  /** The work's own limit (it kills its processes then). The engine's limit is set a margin above it. */
  timeoutMs: number;
  /** Retries on a thrown error (not on a failing test: that is a result, not an error). */
  maxRetries: number;
  /** A run slot to wait for first (operator limits); the wait is outside timeoutMs. */
  slot?: StepSlot;
}

/** Margin between a step's own timeout (which aborts its work) and the engine's step timeout. */
const ENGINE_TIMEOUT_MARGIN_MS = 30_000;

/** The work's own timers (process kill) fire first; this signal is the backstop for work that has none. */
const WORK_TIMEOUT_GRACE_MS = 5_000;

/** Shows the run's progress: edits the tracking comment (GitHub) or prints it (CLI). */
export type PublishProgress = (view: RunView) => Promise<number | undefined>;

export interface DurableIO {
  runId: string;
  now: () => number;
  publish: PublishProgress;
  onPublishError: (error: unknown) => void;
  /** Fires when the run is cancelled while this process runs it: aborts the step's processes. */
  cancelSignal: AbortSignal;
  /** Told when a step's work ends in this process (the metrics' step durations). */
  onStepEnd?: (name: string, ms: number, ok: boolean) => void;
}

/** Who cancelled the run, if someone did (recorded in state, so it survives a crash). */
export function cancelledBy(state: FixRunState, runId: string): string | undefined {
  return state.cancelRequest?.runId === runId ? state.cancelRequest.by : undefined;
}

/** A cancelled run must not retry its step: the engine stops retrying on a CriticalError. */
export class CancelledRunError extends CriticalError {
  constructor(by: string) {
    super(`cancelled by @${by}`);
    this.name = "CancelledRunError";
  }
}

export function findRun(state: FixRunState, runId: string): RunView {
  const run = state.runs.find((r) => r.runId === runId);
  if (!run) throw new Error(`run ${runId} is missing from the actor state`);
  return run;
}

export function replaceRun(state: FixRunState, view: RunView): void {
  state.runs = state.runs.map((r) => (r.runId === view.runId ? view : r));
}

function replaceStep(state: FixRunState, runId: string, name: string, change: (step: StepView) => StepView): void {
  const run = findRun(state, runId);
  replaceRun(state, { ...run, steps: run.steps.map((s) => (s.name === name ? change(s) : s)) });
}

/** Publishes best-effort: a failed comment edit must not fail the step (the final edit is retried separately). */
export async function publishQuietly(io: DurableIO, state: FixRunState): Promise<void> {
  if (!findRun(state, io.runId).announced) return;
  try {
    const id = await io.publish(findRun(state, io.runId));
    if (id !== undefined) replaceRun(state, { ...findRun(state, io.runId), trackingCommentId: id });
  } catch (error) {
    io.onPublishError(error);
  }
}

/**
 * One recorded workflow step that also keeps the tracking comment current: it marks itself started, runs,
 * and marks itself done or failed. The work gets an AbortSignal that fires at its timeout or when the actor
 * stops, so a timed-out step stops its processes instead of running on unseen.
 */
export function durableStep<T>(
  ctx: FlowContext,
  io: DurableIO,
  name: string,
  policy: StepPolicy,
  work: (signal: AbortSignal) => Promise<T>,
  describe?: (result: T) => string | undefined,
  remember?: (checkpoint: Checkpoint, result: T) => Checkpoint,
): Promise<T> {
  return ctx.step({
    name,
    timeout: engineTimeoutWithSlot(policy.timeoutMs + ENGINE_TIMEOUT_MARGIN_MS, policy.slot),
    maxRetries: policy.maxRetries,
    retryBackoffBase: 1000,
    retryBackoffMax: 30_000,
    run: savingState(async (sc) => {
      const cancelled = cancelledBy(sc.state, io.runId);
      if (cancelled) throw new CancelledRunError(cancelled);
      replaceRun(sc.state, stepStarted(findRun(sc.state, io.runId), name, io.now()));
      await publishQuietly(io, sc.state);
      let release = () => undefined as void;
      try {
        let waited = false;
        release = await waitForStepSlot(policy.slot, AbortSignal.any([sc.abortSignal, io.cancelSignal]), (text) => {
          waited = true;
          replaceStep(sc.state, io.runId, name, (s) => stepWaiting(s, text));
          void publishQuietly(io, sc.state);
        });
        if (waited) replaceStep(sc.state, io.runId, name, (s) => stepSlotGranted(s, io.now()));
        // The step's own time starts now, not while it waited for a slot.
        const signal = AbortSignal.any([sc.abortSignal, io.cancelSignal, AbortSignal.timeout(policy.timeoutMs + WORK_TIMEOUT_GRACE_MS)]);
        const began = io.now();
        const result = await work(signal).catch((error: unknown) => {
          io.onStepEnd?.(name, io.now() - began, false);
          throw error;
        });
        io.onStepEnd?.(name, io.now() - began, true);
        const finished = stepFinished(findRun(sc.state, io.runId), name, io.now(), describe?.(result));
        const checkpoint = remember ? remember(finished.checkpoint ?? { attempts: [] }, result) : finished.checkpoint;
        replaceRun(sc.state, { ...finished, checkpoint });
        await publishQuietly(io, sc.state);
        return result;
      } catch (error) {
        const by = cancelledBy(sc.state, io.runId);
        replaceRun(sc.state, stepFailed(findRun(sc.state, io.runId), name, io.now(), by ? `cancelled by @${by}` : errorLine(error)));
        await publishQuietly(io, sc.state);
        throw by ? new CancelledRunError(by) : error;
      } finally {
        release();
      }
    }),
  });
}

/** A step that only records something in the run's view (no I/O besides the progress update). */
export function recordStep(ctx: FlowContext, io: DurableIO, name: string, change: (view: RunView) => RunView): Promise<void> {
  return ctx.step({
    name,
    timeout: 60_000,
    maxRetries: 3,
    run: savingState(async (sc) => {
      replaceRun(sc.state, change(findRun(sc.state, io.runId)));
      await publishQuietly(io, sc.state);
    }),
  });
}
