import type { StepDeps } from "./deps.js";

/** A step function with its dependencies bound: `(deps, ...args) => R` becomes `(...args) => R`. */
export type Bound<F> = F extends (deps: StepDeps, ...args: infer A) => infer R ? (...args: A) => R : never;

/**
 * Binds step functions to their dependencies (Temporal's `createActivities(deps)` pattern): the one binding
 * helper of the fix, review and command steps.
 */
export function bindDeps(deps: StepDeps) {
  // `any[]`: a step's own parameters vary; Bound<F> gives each bound function its exact type back.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return <F extends (deps: StepDeps, ...args: any[]) => unknown>(fn: F) => ((...args: unknown[]) => fn(deps, ...args)) as Bound<F>;
}
