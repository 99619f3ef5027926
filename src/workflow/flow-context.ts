import type { TryBlockResult, TryStepResult } from "rivetkit/workflow";

/**
 * The part of RivetKit's workflow context fixbot's workflows use, declared once for all of them (fix, review,
 * commands), so the orchestration reads plainly. Workflows are driven by the real engine only: tests run the
 * actors on the real one. RivetKit's own context is passed as it is: it has this shape.
 */

/** What a step body gets: the actor's state, the signal aborted when the actor stops, and its actor client. */
export interface StepContext<S> {
  state: S;
  abortSignal: AbortSignal;
  /** RivetKit's client to other actors; typed where it is used (src/actors), so workflows do not import actors. */
  client(): unknown;
}

export interface StepOptions<T, S> {
  name: string;
  run: (sc: StepContext<S>) => Promise<T>;
  timeout?: number;
  maxRetries?: number;
  retryBackoffBase?: number;
  retryBackoffMax?: number;
  retryOnTimeout?: boolean;
  /**
   * Recorded like any step, but not written to the engine on its own: its entry goes with the next step's write.
   * Only for idempotent bookkeeping (a crash before that write runs it again).
   */
  ephemeral?: boolean;
}

export interface FlowContext<S = unknown> {
  step<T>(config: StepOptions<T, S>): Promise<T>;
}

/** The loop context an actor runs one job in: steps, plus a try block and a step whose failure is a value. */
export interface JobContext<S> extends FlowContext<S> {
  try<T>(name: string, run: (ctx: FlowContext<S>) => Promise<T>): Promise<TryBlockResult<T>>;
  tryStep<T>(config: StepOptions<T, S>): Promise<TryStepResult<T>>;
}
