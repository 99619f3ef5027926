import { describe, expect, it } from "vitest";
import { initialFixRunState, type FixRunState } from "../../src/workflow/fix-run-state.js";
import { newRunView } from "../../src/workflow/run-view.js";
import { ENQUEUE_WAKE_MS, needsWaking, startsNextTick, TICK_MS, tickChainBroken, waitingInQueue } from "../../src/actors/wake.js";

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
  const batch = (): FixRunState => ({
    ...withRun(true),
    lastEnqueuedAt: NOW - 6000,
    lastDequeuedAt: NOW - 5000,
    wakeUntil: NOW - 1,
    queued: ["d-1", "d-2", "d-3"],
    seenDeliveries: ["d-1"],
  });

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

describe("startsNextTick: one tick chain per actor, however many ticks fire", () => {
  it("the chain's own tick (due now, or a little early) and a tick after a crash schedule the next one", () => {
    expect(startsNextTick(undefined, NOW)).toBe(true);
    expect(startsNextTick(0, NOW)).toBe(true);
    expect(startsNextTick(NOW, NOW)).toBe(true);
    expect(startsNextTick(NOW + 100, NOW)).toBe(true);
    expect(startsNextTick(NOW - 10 * TICK_MS, NOW)).toBe(true);
  });

  it("a backup tick (cron, a second enqueue) while the chain's next tick is pending starts no second chain", () => {
    expect(startsNextTick(NOW + TICK_MS, NOW)).toBe(false);
    expect(startsNextTick(NOW + TICK_MS / 2 + 1, NOW)).toBe(false);
  });

  it("of two chains that did start, one ends: simulated ticks settle to one per interval", () => {
    // Chain A ticks at 0, T, 2T...; a backup started chain B 0.3 T later. Every tick runs the actor's rule.
    let nextTickAt = 0;
    const pending = [0, 0.3 * TICK_MS];
    let fired = 0;
    while (pending.length > 0) {
      pending.sort((a, b) => a - b);
      const now = pending.shift()!;
      if (now > 20 * TICK_MS) break;
      fired++;
      if (startsNextTick(nextTickAt, now)) {
        nextTickAt = now + TICK_MS;
        pending.push(nextTickAt);
      }
    }
    // 21 ticks of one chain, plus the first tick of the second one.
    expect(fired).toBe(22);
  });
});
