import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { Inbox, type InboxEntry } from "../../src/inbox/inbox.js";
import { readJournal } from "../../src/inbox/inbox-journal.js";

/** Delivery ids the journal in `dir` holds as accepted and not handed on. */
const waitingIds = async (dir: string) => (await readJournal(dir)).pending.map((e) => e.id);

const log = pino({ level: "silent" });
const dirs: string[] = [];
const inboxes: Inbox[] = [];
afterEach(async () => {
  for (const i of inboxes.splice(0)) await i.close(10);
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** An inbox closed after the test (its journal file open until then, as in a running process). */
function newInbox(options: ConstructorParameters<typeof Inbox>[0]): Inbox {
  const inbox = new Inbox(options);
  inboxes.push(inbox);
  return inbox;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "fixbot-inbox-"));
  dirs.push(dir);
  return dir;
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("condition never became true");
}

const entry = (id: string): InboxEntry => ({ id, kind: "fix", job: { n: id }, acceptedAt: 1 });

describe("the webhook inbox", () => {
  it("holds an accepted delivery on disk until the engine has it, then removes it", async () => {
    const dir = await tempDir();
    let release!: () => void;
    const delivered: string[] = [];
    const inbox = newInbox({
      dir,
      log,
      deliver: async (batch) => {
        await new Promise<void>((r) => (release = r));
        delivered.push(...batch.map((e) => e.id));
      },
    });
    await inbox.open();
    await inbox.accept(entry("d-1"));
    expect(await waitingIds(dir)).toEqual(["d-1"]);
    await until(() => release !== undefined);
    release();
    await until(async () => (await waitingIds(dir)).length === 0);
    expect(delivered).toEqual(["d-1"]);
  });

  it("retries a failing hand-over until it succeeds", async () => {
    const dir = await tempDir();
    let calls = 0;
    const inbox = newInbox({
      dir,
      log,
      retryBaseMs: 5,
      deliver: async () => {
        if (++calls < 3) throw new Error("engine busy");
      },
    });
    await inbox.open();
    await inbox.accept(entry("d-2"));
    await until(async () => calls === 3 && (await waitingIds(dir)).length === 0);
  });

  it("hands on, at start, what a process that died had accepted (files of the inbox before the journal too)", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "d-3.json"), JSON.stringify(entry("d-3")));
    await writeFile(join(dir, "broken.json"), "{not json");
    const delivered: string[] = [];
    const inbox = newInbox({ dir, log, deliver: async (batch) => void delivered.push(...batch.map((e) => e.id)) });
    expect(await inbox.open()).toBe(1);
    await until(() => delivered.length === 1);
    expect(delivered).toEqual(["d-3"]);
    await until(async () => (await readdir(dir)).filter((f) => !f.startsWith("journal-")).join() === "broken.json.bad");
    await until(async () => (await waitingIds(dir)).length === 0);
  });

  it("a process that stops without closing (SIGKILL) leaves what it had not handed on, and only that, to the next", async () => {
    const dir = await tempDir();
    const first = newInbox({
      dir,
      log,
      deliver: async (batch) => {
        if (batch.some((e) => e.id === "d-held")) await new Promise(() => undefined);
      },
    });
    await first.open();
    await first.accept(entry("d-handed"));
    await first.accept(entry("d-held"));
    await until(async () => (await waitingIds(dir)).join() === "d-held");
    // `first` is not closed before the next one opens: its journal is left as a killed process leaves it.
    const delivered: string[] = [];
    const second = newInbox({ dir, log, deliver: async (batch) => void delivered.push(...batch.map((e) => e.id)) });
    expect(await second.open()).toBe(1);
    await until(() => delivered.length === 1);
    expect(delivered).toEqual(["d-held"]);
  });

  it("skips a journal line torn by a crash (never acknowledged) and hands on the rest", async () => {
    const dir = await tempDir();
    const good = JSON.stringify({ op: "accept", entry: entry("d-6") });
    await writeFile(join(dir, "journal-000000000001.jsonl"), `${good}\n{"op":"accept","entry":{"id":"d-7","ki`);
    const delivered: string[] = [];
    const inbox = newInbox({ dir, log, deliver: async (batch) => void delivered.push(...batch.map((e) => e.id)) });
    expect(await inbox.open()).toBe(1);
    await until(() => delivered.length === 1);
    expect(delivered).toEqual(["d-6"]);
    expect((await readdir(dir)).filter((f) => f.startsWith("journal-"))).toEqual(["journal-000000000002.jsonl"]);
  });

  it("the same delivery accepted twice is handed on once while pending", async () => {
    const dir = await tempDir();
    let release!: () => void;
    let calls = 0;
    const inbox = newInbox({
      dir,
      log,
      deliver: async () => {
        calls++;
        await new Promise<void>((r) => (release = r));
      },
    });
    await inbox.open();
    await inbox.accept(entry("d-4"));
    await inbox.accept(entry("d-4"));
    await until(() => release !== undefined);
    release();
    await until(() => inbox.size === 0);
    expect(calls).toBe(1);
  });

  it("hands deliveries for the same actor over together, in the order they were accepted", async () => {
    const dir = await tempDir();
    const batches: string[][] = [];
    let release!: () => void;
    const inbox = newInbox({
      dir,
      log,
      routeOf: (e) => (e.job as { n: string }).n.split("-")[0]!,
      deliver: async (batch) => {
        batches.push(batch.map((e) => e.id));
        if (batches.length === 1) await new Promise<void>((r) => (release = r));
      },
    });
    await inbox.open();
    // Route "a": the first goes alone (nothing else waits yet); the next three wait for it and go as one batch.
    await inbox.accept(entry("a-1"));
    await until(() => release !== undefined);
    for (const id of ["a-2", "b-1", "a-3", "a-4"]) await inbox.accept(entry(id));
    await until(() => batches.length === 2);
    expect(batches[1]).toEqual(["b-1"]);
    release();
    await until(() => inbox.size === 0);
    expect(batches).toEqual([["a-1"], ["b-1"], ["a-2", "a-3", "a-4"]]);
  });

  it("holds hand-overs while webhooks keep arriving, and starts them once the stream pauses", async () => {
    const dir = await tempDir();
    const delivered: string[] = [];
    const inbox = newInbox({
      dir,
      log,
      policy: { quietMs: 150, maxDeferMs: 60_000 },
      deliver: async (batch) => void delivered.push(...batch.map((e) => e.id)),
    });
    await inbox.open();
    for (let i = 0; i < 5; i++) {
      await inbox.accept({ ...entry(`s-${i}`), acceptedAt: Date.now() });
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(delivered).toEqual([]);
    await until(() => delivered.length === 5);
  });

  it("refuses new deliveries once closed (GitHub gets an error and redelivers later)", async () => {
    const inbox = newInbox({ dir: await tempDir(), log, deliver: async () => undefined });
    await inbox.open();
    await inbox.close(10);
    await expect(inbox.accept(entry("d-5"))).rejects.toThrow("shutting down");
  });
});
