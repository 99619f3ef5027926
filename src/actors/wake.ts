import type { FixRunState } from "../workflow/fix-run-state.js";

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
  // Jobs of a batch still in the queue: tick while the workflow keeps taking jobs (or the enqueue is fresh).
  const batchWaiting = waitingInQueue(state).length > 0 && now < Math.max(state.wakeUntil, state.lastDequeuedAt + ENQUEUE_WAKE_MS);
  return jobWaiting || batchWaiting || (last !== undefined && !last.closed);
}

/** Delivery ids handed over in a batch that the workflow has not taken yet (see FixRunState.queued). Pure. */
export function waitingInQueue(state: Pick<FixRunState, "queued" | "seenDeliveries">): string[] {
  return (state.queued ?? []).filter((id) => !state.seenDeliveries.includes(id));
}

/**
 * True when a tick firing now should schedule the next one: false while another tick is already pending more
 * than half an interval ahead. Ticks also come from backups (the fix actor's cron, a second enqueue); if each
 * of them scheduled a next tick, every backup would start one more chain, the chains would multiply, and an
 * actor flooded with alarms stopped making progress (measured: 20 issues x 40 queued jobs each stalled for
 * good after about 260 runs; with this check all 800 ran). Of two chains, the later one ends here. Pure.
 */
export function startsNextTick(nextTickAt: number | undefined, now: number): boolean {
  return !nextTickAt || nextTickAt <= now + TICK_MS / 2;
}

/** True when no tick is pending (none yet, or the chain was broken by a crash). Pure. */
export function tickChainBroken(state: { nextTickAt: number }, now: number): boolean {
  return state.nextTickAt === 0 || state.nextTickAt < now - TICK_MS;
}
