/**
 * Wraps a workflow step's body that changes actor state, so the change is saved together with the step's record.
 *
 * RivetKit 2.3 tells the engine that state changed one macrotask after the change (it coalesces a burst of
 * writes with `setImmediate`), while the workflow records a step as soon as its body settles. A body that changes
 * state and returns at once is therefore recorded before its state change is even marked dirty: a crash right then
 * replays the step as done while the state lacks its effect. Measured in the crash matrix: the run's final outcome
 * was lost, and the restarted bot published a "working" tracking comment and closed the run. Waiting one macrotask
 * before returning (or throwing) lets the change be marked first, so it is written with the step.
 */
export function savingState<C, T>(run: (sc: C) => Promise<T>): (sc: C) => Promise<T> {
  return async (sc) => {
    try {
      return await run(sc);
    } finally {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
}
