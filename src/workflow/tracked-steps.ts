import { CriticalError } from "@rivetkit/workflow-engine";
import { stepSlotGranted, stepWaiting } from "../limits/step-slot.js";
import { errorLine } from "../util/error-text.js";
import { cancelledBy, findRun, replaceRun, type FixRunState } from "./fix-run-state.js";
import type { FlowContext, StepContext } from "./flow-context.js";
import { stepFailed, stepFinished, stepReused, stepStarted } from "./run-view.js";
import { runStep, type StepPolicy } from "./step-runner.js";
import { savingState } from "./state-saved.js";
import type { Checkpoint, RunRecord, StepView } from "./types.js";

/** Shows the run's progress: edits the tracking comment (GitHub) or prints it (CLI). */
export type PublishProgress = (view: RunRecord) => Promise<number | undefined>;

/** What the fix workflow's steps need from the actor around them. */
export interface RunIO {
  runId: string;
  now: () => number;
  publish: PublishProgress;
  onPublishError: (error: unknown) => void;
  /** Fires when the run is cancelled while this process runs it: aborts the step's processes. */
  cancelSignal: AbortSignal;
  /** Told when a step's work ends in this process (the metrics' step durations). */
  onStepEnd?: (name: string, ms: number, ok: boolean) => void;
  /**
   * Reports the run to the runs index (src/runs) with each progress update; `final` for the last one. Never
   * throws and is bounded: a failed write is logged, and the next update carries the run again.
   */
  index?: (view: RunRecord, final?: boolean) => Promise<void>;
}

/** A cancelled run must not retry its step: the engine stops retrying on a CriticalError. */
export class CancelledRunError extends CriticalError {
  constructor(by: string) {
    super(`cancelled by @${by}`);
    this.name = "CancelledRunError";
  }
}

/** What a tracked step may add to the run: a detail line for its checklist entry, and its checkpoint entry. */
export interface TrackOptions<T> {
  describe?: (result: T) => string | undefined;
  remember?: (checkpoint: Checkpoint, result: T) => Checkpoint;
}

type Ctx = FlowContext<FixRunState>;

/**
 * Publishes best-effort: a failed comment edit must not fail the step (the final edit is retried separately).
 * The runs index hears of the same update (bounded, never failing).
 */
export async function publishQuietly(io: RunIO, state: FixRunState): Promise<void> {
  if (!findRun(state, io.runId).announced) return;
  try {
    const id = await io.publish(findRun(state, io.runId));
    if (id !== undefined) replaceRun(state, { ...findRun(state, io.runId), trackingCommentId: id });
  } catch (error) {
    io.onPublishError(error);
  }
  await io.index?.(findRun(state, io.runId));
}

function changeRun(sc: StepContext<FixRunState>, io: RunIO, change: (run: RunRecord) => RunRecord): void {
  replaceRun(sc.state, change(findRun(sc.state, io.runId)));
}

function changeStep(sc: StepContext<FixRunState>, io: RunIO, name: string, change: (step: StepView) => StepView): void {
  changeRun(sc, io, (run) => ({ ...run, steps: run.steps.map((s) => (s.name === name ? change(s) : s)) }));
}

/**
 * The fix workflow's steps, bound to its run: each one keeps the tracking comment current (started, waiting for
 * a slot, done with a detail, failed with the reason), refuses to start once the run is cancelled, and may
 * remember its result in the run's checkpoint so `/fixbot retry` continues from the step that failed.
 */
export function trackedSteps(ctx: Ctx, io: RunIO, retryOf?: string) {
  const hooks = <T>(name: string, options: TrackOptions<T>) => ({
    signal: io.cancelSignal,
    started: async (sc: StepContext<FixRunState>) => {
      const by = cancelledBy(sc.state, io.runId);
      if (by) throw new CancelledRunError(by);
      changeRun(sc, io, (run) => stepStarted(run, name, io.now()));
      await publishQuietly(io, sc.state);
    },
    waiting: (sc: StepContext<FixRunState>, text: string) => {
      changeStep(sc, io, name, (s) => stepWaiting(s, text));
      void publishQuietly(io, sc.state);
    },
    granted: (sc: StepContext<FixRunState>) => changeStep(sc, io, name, (s) => stepSlotGranted(s, io.now())),
    finished: async (sc: StepContext<FixRunState>, result: T) => {
      changeRun(sc, io, (run) => {
        const finished = stepFinished(run, name, io.now(), options.describe?.(result));
        return options.remember ? { ...finished, checkpoint: options.remember(finished.checkpoint ?? { attempts: [] }, result) } : finished;
      });
      await publishQuietly(io, sc.state);
    },
    failed: async (sc: StepContext<FixRunState>, error: unknown) => {
      const by = cancelledBy(sc.state, io.runId);
      changeRun(sc, io, (run) => stepFailed(run, name, io.now(), by ? `cancelled by @${by}` : errorLine(error)));
      await publishQuietly(io, sc.state);
      return by ? new CancelledRunError(by) : error;
    },
  });

  /** One step of work, shown in the tracking comment. */
  const run = <T>(name: string, policy: StepPolicy, work: (signal: AbortSignal) => Promise<T>, options: TrackOptions<T> = {}): Promise<T> =>
    runStep(ctx, name, policy, timed(io, name, work), hooks(name, options));

  /**
   * A step that only records something in the run's view (no I/O besides the progress update). Bookkeeping rides
   * on the next step's write to the engine (`ephemeral`): each write costs a round trip (~28 ms, bench/README.md),
   * and a crash in between only repeats an idempotent view change and comment edit.
   */
  const record = (name: string, change: (view: RunRecord) => RunRecord): Promise<void> =>
    ctx.step({
      name,
      ephemeral: true,
      timeout: 60_000,
      maxRetries: 3,
      run: savingState(async (sc) => {
        changeRun(sc, io, change);
        await publishQuietly(io, sc.state);
      }),
    });

  /**
   * The result a retried run takes from the run it continues (shown as reused), or, when there is none, the step
   * run now. `recorded` comes from the continued run's checkpoint.
   */
  /** Shows a step as done by the run this one continues (its result is in that run's checkpoint). */
  const reused = (name: string): Promise<void> => record(`reuse-${name}`, (view) => stepReused(view, name, retryOf ?? "?"));

  const reuseOrRun = async <T>(
    recorded: T | undefined,
    name: string,
    policy: StepPolicy,
    work: (signal: AbortSignal) => Promise<T>,
    options: TrackOptions<T> = {},
  ): Promise<T> => {
    if (recorded === undefined) return run(name, policy, work, options);
    await reused(name);
    return recorded;
  };

  return { run, record, reused, reuseOrRun };
}

export type TrackedSteps = ReturnType<typeof trackedSteps>;

/** The work, reporting its duration (after any slot wait) to `io.onStepEnd`. */
function timed<T>(io: RunIO, name: string, work: (signal: AbortSignal) => Promise<T>): (signal: AbortSignal) => Promise<T> {
  if (!io.onStepEnd) return work;
  const report = io.onStepEnd;
  return async (signal) => {
    const began = io.now();
    try {
      const result = await work(signal);
      report(name, io.now() - began, true);
      return result;
    } catch (error) {
      report(name, io.now() - began, false);
      throw error;
    }
  };
}
