import type { StepView } from "../workflow/types.js";
import type { RunSlots, SlotClaim } from "./run-slots.js";

/**
 * A step's claim on a run slot (agent, tests and review steps), waited for inside the recorded step but outside
 * its time limit: the step's own timeout starts when the slot is granted, and the engine's timeout for the step
 * is raised by the longest wait allowed, so a step waiting in line is neither timed out nor retried as failed.
 */
export interface StepSlot {
  slots: RunSlots;
  claim: SlotClaim;
}

/** The longest a step waits in line before it fails (with an error that says so): a day. */
export const MAX_SLOT_WAIT_MS = 24 * 3_600_000;

/** The step's claim, or none when the process has no limits (the CLI, tests). */
export function stepSlot(
  deps: { slots?: RunSlots },
  repo: { owner: string; name: string },
  vm: boolean,
  label: string,
): StepSlot | undefined {
  return deps.slots ? { slots: deps.slots, claim: { repo: `${repo.owner}/${repo.name}`.toLowerCase(), vm, label } } : undefined;
}

/** The engine's timeout of a step that may wait for a slot first. Pure. */
export function engineTimeoutWithSlot(timeoutMs: number, slot: StepSlot | undefined): number {
  return slot ? timeoutMs + MAX_SLOT_WAIT_MS : timeoutMs;
}

/** Waits for the step's slot (none: at once); `signal` (cancel, actor stop) takes it out of the line. */
export async function waitForStepSlot(
  slot: StepSlot | undefined,
  signal: AbortSignal,
  onWaiting?: (text: string) => void,
): Promise<() => void> {
  if (!slot) return () => undefined;
  const limit = AbortSignal.timeout(MAX_SLOT_WAIT_MS);
  try {
    return await slot.slots.acquire(slot.claim, { signal: AbortSignal.any([signal, limit]), onWaiting });
  } catch (error) {
    if (limit.aborted && !signal.aborted)
      throw new Error(`waited ${MAX_SLOT_WAIT_MS / 3_600_000} h for a free run slot; raise FIXBOT_MAX_CONCURRENT_RUNS or add capacity`, {
        cause: error,
      });
    throw error;
  }
}

/** The step's line in the tracking comment while it waits: still running, with the waiting note. Pure. */
export function stepWaiting(step: StepView, text: string): StepView {
  return { ...step, detail: text };
}

/** The step once its slot is granted: its duration counts from here, the waiting note goes. Pure. */
export function stepSlotGranted(step: StepView, now: number): StepView {
  return { ...step, startedAt: now, detail: undefined };
}
