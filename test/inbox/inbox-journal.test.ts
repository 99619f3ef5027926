import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { InboxJournal, readJournal } from "../../src/inbox/inbox-journal.js";
import type { InboxEntry } from "../../src/inbox/journal-records.js";

const log = pino({ level: "silent" });
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "fixbot-journal-"));
  dirs.push(dir);
  return dir;
}

const entry = (id: string): InboxEntry => ({ id, kind: "fix", job: { body: "x".repeat(100) }, acceptedAt: 1 });
const segments = async (dir: string) => (await readdir(dir)).filter((f) => f.startsWith("journal-")).sort();
const settle = () => new Promise((r) => setTimeout(r, 20));

describe("the inbox journal", () => {
  it("records a burst of accepts in one file, each acknowledged once written", async () => {
    const dir = await tempDir();
    const { journal, pending } = await InboxJournal.open({ dir, log });
    expect(pending).toEqual([]);
    await Promise.all(Array.from({ length: 50 }, (_, i) => journal.append(entry(`d-${i}`))));
    expect(await segments(dir)).toHaveLength(1);
    expect((await readJournal(dir)).pending.map((e) => e.id)).toEqual(Array.from({ length: 50 }, (_, i) => `d-${i}`));
    await journal.close();
  });

  it("starts new segments as they fill and deletes each one once all its deliveries were handed on", async () => {
    const dir = await tempDir();
    const { journal } = await InboxJournal.open({ dir, log, segmentBytes: 500 });
    for (let i = 0; i < 10; i++) await journal.append(entry(`d-${i}`));
    expect((await segments(dir)).length).toBeGreaterThan(2);
    for (let i = 0; i < 9; i++) journal.markDone(`d-${i}`);
    await settle();
    // Only the current segment and the one holding d-9 may remain.
    expect((await segments(dir)).length).toBeLessThanOrEqual(2);
    expect((await readJournal(dir)).pending.map((e) => e.id)).toEqual(["d-9"]);
    journal.markDone("d-9");
    await journal.close();
    expect((await readJournal(dir)).pending).toEqual([]);
    expect(await segments(dir)).toHaveLength(1);
  });

  it("at open, copies what is pending into a fresh segment and removes the old ones", async () => {
    const dir = await tempDir();
    const first = await InboxJournal.open({ dir, log, segmentBytes: 300 });
    for (let i = 0; i < 6; i++) await first.journal.append(entry(`d-${i}`));
    first.journal.markDone("d-0");
    await settle();
    // No close: as a killed process leaves it.
    const second = await InboxJournal.open({ dir, log });
    expect(second.pending.map((e) => e.id)).toEqual(["d-1", "d-2", "d-3", "d-4", "d-5"]);
    const left = await segments(dir);
    expect(left).toHaveLength(1);
    expect((await readFile(join(dir, left[0]!), "utf8")).replace(/\0+$/, "").trim().split("\n")).toHaveLength(5);
    await second.journal.close();
  });

  it("grows a segment with zeros ahead of the records, so an accept overwrites blocks the file already has", async () => {
    const dir = await tempDir();
    const { journal } = await InboxJournal.open({ dir, log });
    const [file] = await segments(dir);
    const sizeAtOpen = (await stat(join(dir, file!))).size;
    expect(sizeAtOpen).toBeGreaterThanOrEqual(1024 * 1024);
    for (let i = 0; i < 20; i++) await journal.append(entry(`d-${i}`));
    expect((await stat(join(dir, file!))).size).toBe(sizeAtOpen);
    // Past the zeroed area (about 1 MiB of ~170-byte lines), the segment grows and every record stays readable.
    await Promise.all(Array.from({ length: 7000 }, (_, i) => journal.append(entry(`e-${i}`))));
    expect(await segments(dir)).toEqual([file]);
    expect((await stat(join(dir, file!))).size).toBeGreaterThan(sizeAtOpen);
    const replay = await readJournal(dir);
    expect(replay.unreadable).toBe(0);
    expect(replay.pending).toHaveLength(7020);
    expect(replay.pending.at(-1)!.id).toBe("e-6999");
    await journal.close();
  });

  it("refuses accepts once closed", async () => {
    const { journal } = await InboxJournal.open({ dir: await tempDir(), log, sync: "none" });
    await journal.close();
    await expect(journal.append(entry("d-x"))).rejects.toThrow("closed");
  });
});
