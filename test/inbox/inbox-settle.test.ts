import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { Inbox, type InboxEntry } from "../../src/inbox/inbox.js";
import { readJournal } from "../../src/inbox/inbox-journal.js";

const log = pino({ level: "silent" });
const dirs: string[] = [];
const inboxes: Inbox[] = [];
afterEach(async () => {
  for (const i of inboxes.splice(0)) await i.close(10);
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("condition never became true");
}

const entry = (id: string, label: string): InboxEntry => ({ id, kind: "fix", job: { label }, acceptedAt: 1 });

/** An inbox whose settle step settles every entry labelled "other" (or throws, with `failing`). */
async function inboxWith(options: { failing?: boolean } = {}) {
  const dir = await mkdtemp(join(tmpdir(), "fixbot-inbox-settle-"));
  dirs.push(dir);
  const delivered: string[] = [];
  const inbox = new Inbox({
    dir,
    log,
    routeOf: () => "one-actor",
    policy: { quietMs: 0 },
    deliver: async (batch) => void delivered.push(...batch.map((e) => e.id)),
    settle: async (batch) => {
      if (options.failing) throw new Error("GitHub is down");
      return new Map(
        batch.filter((e) => (e.job as { label: string }).label === "other").map((e) => [e.id, "label is not the configured one"]),
      );
    },
  });
  inboxes.push(inbox);
  await inbox.open();
  return { dir, inbox, delivered };
}

describe("the inbox settles what needs no actor before the hand-over", () => {
  it("settled deliveries never reach the engine; the others do, in order; the journal records the settled ones as done", async () => {
    const { dir, inbox, delivered } = await inboxWith();
    for (const [id, label] of [
      ["a", "other"],
      ["b", "fixbot"],
      ["c", "other"],
      ["d", "fixbot"],
    ] as const)
      await inbox.accept(entry(id, label));
    await until(() => inbox.size === 0);
    expect(delivered).toEqual(["b", "d"]);
    expect((await readJournal(dir)).pending).toEqual([]);
    const lines = (
      await Promise.all((await readdir(dir)).filter((f) => f.startsWith("journal-")).map((f) => readFile(join(dir, f), "utf8")))
    )
      .join("")
      .replace(/\0/g, "");
    expect(lines).toContain('{"op":"done","id":"a","settled":"label is not the configured one"}');
    expect(lines).toContain('{"op":"done","id":"b"}');
  });

  it("a batch settled whole calls no actor, and the next relevant delivery is still handed on", async () => {
    const { inbox, delivered } = await inboxWith();
    await inbox.accept(entry("x", "other"));
    await until(() => inbox.size === 0);
    await inbox.accept(entry("y", "fixbot"));
    await until(() => delivered.length === 1);
    expect(delivered).toEqual(["y"]);
  });

  it("a settle step that fails (relevance not decidable) hands the whole batch on, as without a filter", async () => {
    const { inbox, delivered } = await inboxWith({ failing: true });
    await inbox.accept(entry("p", "other"));
    await inbox.accept(entry("q", "fixbot"));
    await until(() => delivered.length === 2);
    expect(delivered).toEqual(["p", "q"]);
  });
});
