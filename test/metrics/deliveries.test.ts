import { describe, expect, it } from "vitest";
import { deliveryOutcome, eventName } from "../../src/metrics/deliveries.js";
import { limitsHit } from "../../src/sandbox/limit-notes.js";
import { stepLabel } from "../../src/metrics/registry.js";

describe("metric labels", () => {
  it("a delivery's outcome comes from its answer and whether the inbox recorded it", () => {
    expect(deliveryOutcome(200, true)).toBe("accepted");
    expect(deliveryOutcome(200, false)).toBe("ignored");
    expect(deliveryOutcome(400, false)).toBe("refused");
    expect(deliveryOutcome(503, false)).toBe("failed");
  });

  it("label values stay bounded: odd event headers and attempt numbers do not make new series", () => {
    expect(eventName("issues")).toBe("issues");
    expect(eventName("Issues; drop table")).toBe("other");
    expect(eventName(undefined)).toBe("other");
    expect(stepLabel("run-agent#3")).toBe("run-agent");
    expect(stepLabel("publish-review")).toBe("publish-review");
  });

  it("sandbox limits are named by the same signs as the notes", () => {
    const limits = { memoryMb: 1, processes: 1, diskMb: 1 };
    expect(
      limitsHit({
        stoppedAt: "disk",
        output: "bash: fork: retry: Resource temporarily unavailable",
        limits,
        refused: [{ host: "x", port: 443, reason: "r" }],
      }),
    ).toEqual(["disk", "processes", "egress"]);
    expect(limitsHit({ output: "JavaScript heap out of memory", limits, refused: [] })).toEqual(["memory"]);
    expect(limitsHit({ output: "ok", limits, refused: [] })).toEqual([]);
  });
});
