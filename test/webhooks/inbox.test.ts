import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { Inbox, type InboxEntry } from "../../src/webhooks/inbox.js";

const log = pino({ level: "silent" });
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

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
    const inbox = new Inbox({ dir, log, deliver: async (e) => { await new Promise<void>((r) => (release = r)); delivered.push(e.id); } });
    await inbox.open();
    await inbox.accept(entry("d-1"));
    expect(await readdir(dir)).toEqual(["d-1.json"]);
    await until(() => release !== undefined);
    release();
    await until(async () => (await readdir(dir)).length === 0);
    expect(delivered).toEqual(["d-1"]);
  });

  it("retries a failing hand-over until it succeeds", async () => {
    const dir = await tempDir();
    let calls = 0;
    const inbox = new Inbox({ dir, log, retryBaseMs: 5, deliver: async () => { if (++calls < 3) throw new Error("engine busy"); } });
    await inbox.open();
    await inbox.accept(entry("d-2"));
    await until(async () => calls === 3 && (await readdir(dir)).length === 0);
  });

  it("hands on, at start, what a process that died had accepted", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "d-3.json"), JSON.stringify(entry("d-3")));
    await writeFile(join(dir, "broken.json"), "{not json");
    const delivered: string[] = [];
    const inbox = new Inbox({ dir, log, deliver: async (e) => void delivered.push(e.id) });
    expect(await inbox.open()).toBe(2);
    await until(() => delivered.length === 1);
    expect(delivered).toEqual(["d-3"]);
    await until(async () => (await readdir(dir)).sort().join() === "broken.json.bad");
  });

  it("the same delivery accepted twice is handed on once while pending", async () => {
    const dir = await tempDir();
    let release!: () => void;
    let calls = 0;
    const inbox = new Inbox({ dir, log, deliver: async () => { calls++; await new Promise<void>((r) => (release = r)); } });
    await inbox.open();
    await inbox.accept(entry("d-4"));
    await inbox.accept(entry("d-4"));
    await until(() => release !== undefined);
    release();
    await until(() => inbox.size === 0);
    expect(calls).toBe(1);
  });

  it("refuses new deliveries once closed (GitHub gets an error and redelivers later)", async () => {
    const inbox = new Inbox({ dir: await tempDir(), log, deliver: async () => undefined });
    await inbox.open();
    await inbox.close(10);
    await expect(inbox.accept(entry("d-5"))).rejects.toThrow("shutting down");
  });
});
