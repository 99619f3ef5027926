import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { readDeadLetters, type DeadLetter } from "../../src/inbox/dead-letters.js";
import { batchLength, isRefusal, retryDelayMs } from "../../src/inbox/hand-over-batch.js";
import { Inbox, type InboxEntry } from "../../src/inbox/inbox.js";
import { readJournal } from "../../src/inbox/inbox-journal.js";

const log = pino({ level: "silent" });
const dirs: string[] = [];
const inboxes: Inbox[] = [];
afterEach(async () => {
  for (const i of inboxes.splice(0)) await i.close(10);
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function newInbox(options: Omit<ConstructorParameters<typeof Inbox>[0], "dir" | "log">): Promise<{ inbox: Inbox; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), "fixbot-dead-"));
  dirs.push(dir);
  const inbox = new Inbox({ dir, log, retryBaseMs: 5, retryMaxMs: 20, ...options });
  inboxes.push(inbox);
  await inbox.open();
  return { inbox, dir };
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("condition never became true");
}

const entry = (id: string, route: string, text = ""): InboxEntry => ({ id, kind: "fix", job: { route, text }, acceptedAt: 1 });
const routeOf = (e: InboxEntry) => (e.job as { route: string }).route;

describe("hand-over batches", () => {
  it("are sized in bytes as well as in entries, and always carry at least one", () => {
    const entries = ["a", "b", "c", "d"].map((id) => entry(id, "r", "x".repeat(20_000)));
    expect(batchLength(entries, { maxEntries: 100, maxBytes: 48 * 1024 })).toBe(2);
    expect(batchLength(entries, { maxEntries: 1, maxBytes: 48 * 1024 })).toBe(1);
    expect(batchLength([entry("big", "r", "x".repeat(100_000))], { maxEntries: 100, maxBytes: 1024 })).toBe(1);
    expect(batchLength([], { maxEntries: 100, maxBytes: 1024 })).toBe(0);
  });

  it("back off by doubling up to a cap", () => {
    expect([1, 2, 3, 4, 10].map((a) => retryDelayMs(a, 500, 3_000))).toEqual([500, 1_000, 2_000, 3_000, 3_000]);
  });

  it("a route of many large jobs is handed on in batches under the byte limit, in order", async () => {
    const batches: string[][] = [];
    const { inbox } = await newInbox({ routeOf, maxBatchBytes: 48 * 1024, deliver: async (b) => void batches.push(b.map((e) => e.id)) });
    for (let i = 0; i < 6; i++) await inbox.accept(entry(`j-${i}`, "r", "漢".repeat(6_000)));
    await until(() => inbox.size === 0);
    expect(batches.flat()).toEqual(["j-0", "j-1", "j-2", "j-3", "j-4", "j-5"]);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(2);
  });
});

describe("dead letters", () => {
  it("only a refusal of what the hand-over carries counts as hopeless; an unavailable engine does not", () => {
    expect(isRefusal({ group: "message", code: "incoming_too_long", message: "Incoming message too long" })).toBe(true);
    expect(isRefusal({ statusCode: 413 })).toBe(true);
    expect(isRefusal(new Error("queue message too large"))).toBe(true);
    expect(
      isRefusal({
        group: "pegboard",
        code: "route_resolve_query_timeout",
        message: "Timed out resolving actor query route after 5013ms",
        statusCode: 500,
      }),
    ).toBe(false);
    expect(isRefusal(new Error("fetch failed"))).toBe(false);
  });

  it("an engine that is only unavailable is tried for longer than one that refuses", async () => {
    let calls = 0;
    const { inbox, dir } = await newInbox({
      routeOf,
      maxAttempts: { refused: 2, unavailable: 5 },
      deliver: async () => {
        calls++;
        throw new Error("Timed out resolving actor query route");
      },
    });
    await inbox.accept(entry("slow-1", "r"));
    await until(() => inbox.size === 0);
    expect(calls).toBe(5);
    expect((await readDeadLetters(dir)).map((l) => l.attempts)).toEqual([5]);
  });

  it("a delivery the engine keeps refusing ends as a dead letter after maxAttempts: on disk, out of the journal, reported once", async () => {
    const told: DeadLetter[] = [];
    const { inbox, dir } = await newInbox({
      routeOf,
      maxAttempts: { refused: 3, unavailable: 100 },
      onDeadLetter: async (letter) => void told.push(letter),
      deliver: async () => {
        throw new Error("incoming_too_long: Incoming message too long");
      },
    });
    await inbox.accept(entry("bad-1", "r"));
    await until(() => told.length === 1);
    expect(told[0]).toMatchObject({ entry: { id: "bad-1" }, attempts: 3, reason: "incoming_too_long: Incoming message too long" });
    expect((await readDeadLetters(dir)).map((l) => l.entry.id)).toEqual(["bad-1"]);
    expect((await readJournal(dir)).pending).toEqual([]);
    expect(inbox.size).toBe(0);
  });

  it("a route whose hand-over fails does not hold the others, and one bad entry does not sink its batch-mates", async () => {
    const handed: string[] = [];
    const { inbox, dir } = await newInbox({
      routeOf,
      maxAttempts: { refused: 4, unavailable: 4 },
      policy: { concurrency: 1 },
      deliver: async (batch) => {
        if (batch.some((e) => e.id.startsWith("bad"))) throw new Error("refused");
        handed.push(...batch.map((e) => e.id));
      },
    });
    // With one hand-over at a time, a retry loop holding its slot would stop route "b" for good.
    await inbox.accept(entry("bad-1", "a"));
    await inbox.accept(entry("good-a", "a"));
    await inbox.accept(entry("good-b", "b"));
    await until(() => handed.includes("good-b") && handed.includes("good-a") && inbox.size === 0);
    expect((await readDeadLetters(dir)).map((l) => l.entry.id)).toEqual(["bad-1"]);
    // good-a rode in bad-1's failing batch; alone, it went through.
    expect(handed.filter((id) => id === "good-a")).toHaveLength(1);
  });
});
