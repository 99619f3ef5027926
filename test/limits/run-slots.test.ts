import { describe, expect, it } from "vitest";
import { EnvSchema } from "../../src/config/env.schema.js";
import { blockedBy, createRunSlots, grantable, runSlotsFromEnv, waitingText } from "../../src/limits/run-slots.js";
import { engineTimeoutWithSlot, MAX_SLOT_WAIT_MS, stepSlot, waitForStepSlot } from "../../src/limits/step-slot.js";

const counts = (runs: number, vms = 0, perRepo: Record<string, number> = {}) => ({ runs, vms, perRepo: new Map(Object.entries(perRepo)) });

describe("blockedBy / grantable (pure)", () => {
  it("names the limit that holds a claim", () => {
    const limits = { runs: 2, vms: 1, perRepo: 1 };
    expect(blockedBy({ repo: "a/x", vm: false }, counts(1), limits)).toBeUndefined();
    expect(blockedBy({ repo: "a/x", vm: false }, counts(2), limits)).toBe("runs");
    expect(blockedBy({ repo: "a/x", vm: true }, counts(1, 1), limits)).toBe("vms");
    expect(blockedBy({ repo: "a/x", vm: false }, counts(1, 0, { "a/x": 1 }), limits)).toBe("perRepo");
    expect(blockedBy({ repo: "a/x", vm: true }, counts(100, 100, { "a/x": 100 }), {})).toBeUndefined();
  });

  it("first come, first served: the bot-wide limit holds everyone behind; a repo's or the VM limit lets others pass", () => {
    const line = [
      { repo: "a/x", vm: false },
      { repo: "a/x", vm: false },
      { repo: "b/y", vm: true },
      { repo: "c/z", vm: true },
      { repo: "d/w", vm: false },
    ];
    // a/x has one running (per repo 1), one VM running (VM limit 1): only d/w may start, then the run limit is hit.
    expect(grantable(line, counts(1, 1, { "a/x": 1 }), { runs: 3, vms: 1, perRepo: 1 })).toEqual([4]);
    expect(grantable(line, counts(0), { runs: 2 })).toEqual([0, 1]);
    expect(grantable(line, counts(0), { runs: 10, perRepo: 1, vms: 1 })).toEqual([0, 2, 4]);
  });

  it("the waiting note names the setting", () => {
    expect(waitingText("runs", { runs: 2 }, 3)).toBe(
      "waiting for a free slot: all 2 run slots are busy (FIXBOT_MAX_CONCURRENT_RUNS), 3 ahead in line",
    );
    expect(waitingText("perRepo", { perRepo: 1 }, 0)).toBe(
      "waiting for a free slot: this repository's 1 run slots are busy (FIXBOT_MAX_CONCURRENT_RUNS_PER_REPO)",
    );
  });
});

describe("createRunSlots", () => {
  it("N+2 claims with limit N: never more than N at once, all granted in order, the waiting ones told", async () => {
    const slots = createRunSlots({ runs: 2 });
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const waited: number[] = [];
    await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const release = await slots.acquire({ repo: `o/r${i}`, vm: false }, { onWaiting: () => waited.push(i) });
        order.push(i);
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        release();
      }),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(waited).toEqual([2, 3]);
    expect(slots.counts()).toEqual({ runs: 0, vms: 0, waiting: 0 });
  });

  it("an aborted waiter leaves the line; the next one gets the slot; a release twice frees once", async () => {
    const slots = createRunSlots({ runs: 1 });
    const first = await slots.acquire({ repo: "o/r", vm: false });
    const abort = new AbortController();
    const cancelled = slots.acquire({ repo: "o/r", vm: false }, { signal: abort.signal });
    const next = slots.acquire({ repo: "o/s", vm: false });
    abort.abort(new Error("cancelled"));
    await expect(cancelled).rejects.toThrow("cancelled");
    first();
    first();
    const release = await next;
    expect(slots.counts()).toEqual({ runs: 1, vms: 0, waiting: 0 });
    release();
  });

  it("VM and per-repository limits", async () => {
    const slots = createRunSlots({ runs: 10, vms: 1, perRepo: 1 });
    const vm = await slots.acquire({ repo: "a/x", vm: true });
    let secondVm = false;
    const waitingVm = slots.acquire({ repo: "b/y", vm: true }).then((r) => ((secondVm = true), r));
    const sameRepo = slots.acquire({ repo: "a/x", vm: false });
    const other = await slots.acquire({ repo: "c/z", vm: false });
    expect(slots.counts()).toEqual({ runs: 2, vms: 1, waiting: 2 });
    expect(secondVm).toBe(false);
    vm();
    const [r1, r2] = await Promise.all([waitingVm, sameRepo]);
    expect(slots.counts()).toEqual({ runs: 3, vms: 1, waiting: 0 });
    for (const r of [r1, r2, other]) r();
  });

  it("from the environment: 4 runs, 2 VMs, 2 per repository by default; 0 is no limit", async () => {
    const env = EnvSchema.parse({});
    expect([env.FIXBOT_MAX_CONCURRENT_RUNS, env.FIXBOT_MAX_CONCURRENT_VMS, env.FIXBOT_MAX_CONCURRENT_RUNS_PER_REPO]).toEqual([4, 2, 2]);
    const unlimited = runSlotsFromEnv(
      EnvSchema.parse({ FIXBOT_MAX_CONCURRENT_RUNS: "0", FIXBOT_MAX_CONCURRENT_VMS: "0", FIXBOT_MAX_CONCURRENT_RUNS_PER_REPO: "0" }),
    );
    const releases = await Promise.all(Array.from({ length: 50 }, () => unlimited.acquire({ repo: "a/x", vm: true })));
    expect(unlimited.counts().runs).toBe(50);
    for (const r of releases) r();
  });
});

describe("a step's slot", () => {
  it("the engine's timeout of a step that may wait is raised by the longest wait; without limits it is unchanged", () => {
    const slot = stepSlot({ slots: createRunSlots({ runs: 1 }) }, { owner: "Acme", name: "Calc" }, false, "x");
    expect(slot?.claim).toEqual({ repo: "acme/calc", vm: false, label: "x" });
    expect(engineTimeoutWithSlot(60_000, slot)).toBe(60_000 + MAX_SLOT_WAIT_MS);
    expect(stepSlot({}, { owner: "a", name: "b" }, false, "x")).toBeUndefined();
    expect(engineTimeoutWithSlot(60_000, undefined)).toBe(60_000);
  });

  it("a cancelled step stops waiting", async () => {
    const slots = createRunSlots({ runs: 1 });
    const held = await slots.acquire({ repo: "a/x", vm: false });
    const cancel = new AbortController();
    const waiting = waitForStepSlot({ slots, claim: { repo: "a/x", vm: false } }, cancel.signal);
    cancel.abort(new Error("cancelled by @alice"));
    await expect(waiting).rejects.toThrow("cancelled by @alice");
    held();
    expect(slots.counts()).toEqual({ runs: 0, vms: 0, waiting: 0 });
  });
});
