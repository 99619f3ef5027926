import { describe, expect, it } from "vitest";
import { handOverBudget, type HandOverLoad } from "../../src/inbox/hand-over-policy.js";

const policy = { concurrency: 8, quietMs: 250, maxDeferMs: 5_000 };
const load = (over: Partial<HandOverLoad>): HandOverLoad => ({
  now: 100_000,
  lastAcceptAt: 0,
  oldestWaitingAt: 99_000,
  inFlight: 0,
  closing: false,
  ...over,
});

describe("hand-over policy", () => {
  it("nothing waiting: nothing to start and nothing to look at later", () => {
    expect(handOverBudget(load({ oldestWaitingAt: undefined }), policy)).toEqual({ start: 0 });
  });

  it("no webhook for quietMs: full width, less what is in flight", () => {
    expect(handOverBudget(load({ lastAcceptAt: 100_000 - 250 }), policy)).toEqual({ start: 8 });
    expect(handOverBudget(load({ lastAcceptAt: 100_000 - 300, inFlight: 5 }), policy)).toEqual({ start: 3 });
  });

  it("while webhooks arrive, waits for the pause or the oldest delivery's deadline, whichever is first", () => {
    expect(handOverBudget(load({ lastAcceptAt: 100_000 - 10, oldestWaitingAt: 99_000 }), policy)).toEqual({ start: 0, recheckInMs: 240 });
    expect(handOverBudget(load({ lastAcceptAt: 100_000 - 10, oldestWaitingAt: 100_000 - 4_900 }), policy)).toEqual({
      start: 0,
      recheckInMs: 100,
    });
  });

  it("a delivery waiting past maxDeferMs moves one actor at a time even under a steady stream", () => {
    expect(handOverBudget(load({ lastAcceptAt: 100_000, oldestWaitingAt: 100_000 - 5_000 }), policy)).toEqual({ start: 1 });
    expect(handOverBudget(load({ lastAcceptAt: 100_000, oldestWaitingAt: 100_000 - 9_000, inFlight: 1 }), policy)).toEqual({
      start: 0,
      recheckInMs: 250,
    });
  });

  it("shutting down: full width at once", () => {
    expect(handOverBudget(load({ lastAcceptAt: 100_000, oldestWaitingAt: 100_000, closing: true }), policy)).toEqual({ start: 8 });
  });
});
