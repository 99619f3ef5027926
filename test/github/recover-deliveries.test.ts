import nock from "nock";
import pino from "pino";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createOctokit } from "../../src/github/octokit.js";
import { nextCursor, pickRedeliveries, recoverFailedDeliveries, type HookDelivery } from "../../src/github/recover-deliveries.js";

const NOW = Date.parse("2026-11-27T12:00:00Z");
let nextId = 1;
function delivery(guid: string, status: number, minutesAgo: number, event = "issues"): HookDelivery {
  return {
    id: nextId++,
    guid,
    delivered_at: new Date(NOW - minutesAgo * 60_000).toISOString(),
    redelivery: false,
    status_code: status,
    event,
    action: "labeled",
  };
}

describe("pickRedeliveries", () => {
  it("redelivers each failed delivery once, skips any that later succeeded, old ones and unhandled events", () => {
    const deliveries = [
      delivery("lost", 0, 5),
      delivery("lost", 502, 3),
      delivery("retried-ok", 502, 10),
      delivery("retried-ok", 200, 9),
      delivery("fine", 202, 1),
      delivery("too-old", 500, 60 * 24),
      delivery("not-ours", 500, 2, "star"),
    ];
    const picked = pickRedeliveries(deliveries, NOW, 6 * 3600_000);
    expect(picked.map((d) => d.guid)).toEqual(["lost"]);
    expect(picked[0]!.status_code).toBe(502);
  });
});

describe("nextCursor", () => {
  it("reads the cursor of the rel=next link", () => {
    expect(
      nextCursor('<https://api.github.com/app/hook/deliveries?per_page=100&cursor=v1_123>; rel="next", <https://x?cursor=a>; rel="prev"'),
    ).toBe("v1_123");
    expect(nextCursor("")).toBeUndefined();
  });
});

describe("recoverFailedDeliveries", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());

  it("asks GitHub to redeliver the failed delivery and nothing else", async () => {
    const now = Date.now();
    const at = (m: number) => new Date(now - m * 60_000).toISOString();
    const scope = nock("https://api.github.com")
      .get("/app/hook/deliveries")
      .query({ per_page: 100 })
      .reply(200, [
        { id: 11, guid: "g-lost", delivered_at: at(2), redelivery: false, status_code: 0, event: "issues", action: "labeled" },
        { id: 12, guid: "g-ok", delivered_at: at(3), redelivery: false, status_code: 202, event: "issues", action: "labeled" },
      ])
      .post("/app/hook/deliveries/11/attempts")
      .reply(202, {});
    const redelivered = await recoverFailedDeliveries({
      app: createOctokit({ token: "jwt", retries: 0, throttle: false }),
      log: pino({ level: "silent" }),
    });
    expect(redelivered).toEqual(["g-lost"]);
    expect(scope.isDone()).toBe(true);
  });
});
