import { describe, expect, it } from "vitest";
import { initialFixRunState, type FixRunState } from "../../src/workflow/flow-context.js";
import { newRunView } from "../../src/workflow/run-view.js";
import { ENQUEUE_WAKE_MS, needsWaking, TICK_MS, tickChainBroken, waitingInQueue } from "../../src/workflow/wake.js";

const NOW = 1_800_000_000_000;

function withRun(closed: boolean): FixRunState {
  const run = { ...newRunView({ runId: "r1", issueNumber: 1, requestedBy: "a", branch: "b", maxAttempts: 3, now: NOW - 5000 }), closed };
  return { ...initialFixRunState(), runs: [run], lastEnqueuedAt: NOW - 6000, lastDequeuedAt: NOW - 5000 };
}

describe("needsWaking", () => {
  it("is false for an idle actor", () => {
    expect(needsWaking(initialFixRunState(), NOW)).toBe(false);
  });

  it("stays true while a run is open, however old", () => {
    expect(needsWaking(withRun(false), NOW + 10 * ENQUEUE_WAKE_MS)).toBe(true);
  });

  it("stays true for a job still in the queue, until the enqueue grace ends", () => {
    const state = { ...withRun(true), lastEnqueuedAt: NOW, wakeUntil: NOW + ENQUEUE_WAKE_MS };
    expect(needsWaking(state, NOW + 1000)).toBe(true);
    expect(needsWaking(state, NOW + ENQUEUE_WAKE_MS + 1)).toBe(false);
  });

  it("stops once the queued job was taken and its run closed", () => {
    const state = { ...withRun(true), lastEnqueuedAt: NOW - 6000, lastDequeuedAt: NOW - 5000, wakeUntil: NOW + ENQUEUE_WAKE_MS };
    expect(needsWaking(state, NOW)).toBe(false);
  });
});

describe("needsWaking after a batch hand-over", () => {
  // A batch of three: the workflow took d-1 (after the enqueue), its run closed; d-2 and d-3 still wait.
  const batch = (): FixRunState => ({ ...withRun(true), lastEnqueuedAt: NOW - 6000, lastDequeuedAt: NOW - 5000, wakeUntil: NOW - 1, queued: ["d-1", "d-2", "d-3"], seenDeliveries: ["d-1"] });

  it("stays true between two jobs of a batch although the last dequeue is later than the enqueue", () => {
    expect(waitingInQueue(batch())).toEqual(["d-2", "d-3"]);
    expect(needsWaking(batch(), NOW)).toBe(true);
  });

  it("stops once every job of the batch was taken", () => {
    expect(needsWaking({ ...batch(), seenDeliveries: ["d-1", "d-2", "d-3"] }, NOW)).toBe(false);
  });

  it("gives up when the workflow took nothing for the enqueue grace (a wedged queue does not tick forever)", () => {
    expect(needsWaking(batch(), NOW - 5000 + ENQUEUE_WAKE_MS + 1)).toBe(false);
  });

  it("state from before the field existed: no batch waits", () => {
    const { queued: _, ...old } = batch();
    expect(waitingInQueue(old)).toEqual([]);
  });
});

describe("tickChainBroken", () => {
  it("is broken when no tick was ever scheduled or the due time passed by more than a tick", () => {
    expect(tickChainBroken(initialFixRunState(), NOW)).toBe(true);
    expect(tickChainBroken({ ...initialFixRunState(), nextTickAt: NOW - 2 * TICK_MS }, NOW)).toBe(true);
    expect(tickChainBroken({ ...initialFixRunState(), nextTickAt: NOW + TICK_MS }, NOW)).toBe(false);
  });
});
