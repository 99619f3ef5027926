import { engineTimeoutWithSlot, waitForStepSlot, type StepSlot } from "../limits/step-slot.js";
import type { FlowContext, StepContext } from "./flow-context.js";
import { savingState } from "./state-saved.js";

/** Retry and time policy of one named step. Every step states both explicitly (see step-policies.ts). */
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

/** A step that only changes the actor's state: quick, retried a few times. */
const STATE_STEP = { timeout: 10_000, maxRetries: 3 };

/**
 * What a workflow may do around each of its steps (the fix workflow keeps its tracking comment current through
 * these); all optional. They run inside the recorded step, with its state.
 */
export interface StepHooks<S, T> {
  /** Before anything else; may throw to refuse the step (a cancelled run). */
  started?: (sc: StepContext<S>) => Promise<void>;
  /** The step waits in line for a run slot; `text` says for what. */
  waiting?: (sc: StepContext<S>, text: string) => void;
  /** The slot was granted after a wait: the step's own time starts now. */
  granted?: (sc: StepContext<S>) => void;
  finished?: (sc: StepContext<S>, result: T) => Promise<void>;
  /** The work threw; returns the error the step throws (the same one, or a clearer one). */
  failed?: (sc: StepContext<S>, error: unknown) => Promise<unknown>;
  /** Aborts the work besides the step's timeout and the actor stopping (a cancel). */
  signal?: AbortSignal;
}

/**
 * Runs one named, recorded step: the one way every workflow runs one. The work gets an AbortSignal that fires at
 * its timeout, when the actor stops, or on `hooks.signal`, so a timed-out step stops its processes instead of
 * running on unseen. A step that claims a run slot waits for it first, outside its own time limit.
 */
export function runStep<S, T>(
  ctx: FlowContext<S>,
  name: string,
  policy: StepPolicy,
  work: (signal: AbortSignal) => Promise<T>,
  hooks: StepHooks<S, T> = {},
): Promise<T> {
  const stop = (sc: StepContext<S>) => (hooks.signal ? AbortSignal.any([sc.abortSignal, hooks.signal]) : sc.abortSignal);
  return ctx.step({
    name,
    timeout: engineTimeoutWithSlot(policy.timeoutMs + ENGINE_TIMEOUT_MARGIN_MS, policy.slot),
    maxRetries: policy.maxRetries,
    retryBackoffBase: 1_000,
    retryBackoffMax: 30_000,
    run: savingState(async (sc: StepContext<S>) => {
      await hooks.started?.(sc);
      let release = () => undefined as void;
      try {
        let waited = false;
        release = await waitForStepSlot(policy.slot, stop(sc), (text) => {
          waited = true;
          hooks.waiting?.(sc, text);
        });
        if (waited) hooks.granted?.(sc);
        // The step's own time starts now, not while it waited for a slot.
        const result = await work(AbortSignal.any([stop(sc), AbortSignal.timeout(policy.timeoutMs + WORK_TIMEOUT_GRACE_MS)]));
        await hooks.finished?.(sc, result);
        return result;
      } catch (error) {
        throw hooks.failed ? await hooks.failed(sc, error) : error;
      } finally {
        release();
      }
    }),
  });
}

/** A step that only changes the actor's state (admit a job, record an outcome); the change is saved with it. */
export function stateStep<S, T>(ctx: FlowContext<S>, name: string, change: (state: S, sc: StepContext<S>) => T | Promise<T>): Promise<T> {
  return ctx.step({ name, ...STATE_STEP, run: savingState(async (sc: StepContext<S>) => change(sc.state, sc)) });
}
