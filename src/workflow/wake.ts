import type { FixRunState } from "./flow-context.js";

/**
 * After a crash the engine keeps an actor asleep until something wakes it. A self-rescheduling alarm ("tick")
 * is that something: it fires on whichever fixbot process is alive (this one after a restart, another one on
 * a shared engine), the actor starts there, and its workflow resumes at the step that was running.
 */
export const TICK_MS = 1_000;
/** How long after an enqueue the alarm keeps ticking for a job still in the queue. */
export const ENQUEUE_WAKE_MS = 120_000;

/** True while the actor has work that must not be left asleep. Pure. */
export function needsWaking(state: FixRunState, now: number): boolean {
  const last = state.runs.at(-1);
  const jobWaiting = state.lastEnqueuedAt >= state.lastDequeuedAt && now < state.wakeUntil;
  return jobWaiting || (last !== undefined && !last.closed);
}

/** True when no tick is pending (none yet, or the chain was broken by a crash). Pure. */
export function tickChainBroken(state: FixRunState, now: number): boolean {
  return state.nextTickAt === 0 || state.nextTickAt < now - TICK_MS;
}
