import { describe, expect, it } from "vitest";
import { decodeRecord, encodeRecord, replayJournal, segmentName, segmentNumber, type InboxEntry } from "../../src/inbox/journal-records.js";

const entry = (id: string, n = 0): InboxEntry => ({ id, kind: "fix", job: { n }, acceptedAt: 1 });
const accept = (id: string, n = 0) => encodeRecord({ op: "accept", entry: entry(id, n) });
const done = (id: string) => encodeRecord({ op: "done", id });

describe("inbox journal records", () => {
  it("round-trips a record as one line", () => {
    const line = accept("d-1");
    expect(line.endsWith("\n")).toBe(true);
    expect(line.slice(0, -1)).not.toContain("\n");
    expect(decodeRecord(line)).toEqual({ op: "accept", entry: entry("d-1") });
    expect(decodeRecord(done("d-1"))).toEqual({ op: "done", id: "d-1" });
  });

  it("rejects torn and foreign lines", () => {
    expect(decodeRecord(accept("d-1").slice(0, 20))).toBeUndefined();
    expect(decodeRecord('{"op":"accept","entry":{"id":"","kind":"fix","acceptedAt":1}}')).toBeUndefined();
    expect(decodeRecord('{"hello":1}')).toBeUndefined();
    expect(decodeRecord("null")).toBeUndefined();
  });

  it("replays accepts minus hand-overs across segments, skipping a torn last line", () => {
    const replay = replayJournal([accept("a") + accept("b") + done("a"), accept("c") + done("b") + accept("d").slice(0, 15)]);
    expect(replay.pending.map((e) => e.id)).toEqual(["c"]);
    expect(replay.unreadable).toBe(1);
  });

  it("stops at the zeros a segment is grown with, also after a line a crash cut short", () => {
    const zeros = "\0".repeat(64);
    expect(replayJournal([accept("a") + accept("b") + zeros])).toEqual({ pending: [entry("a"), entry("b")], unreadable: 0 });
    const torn = replayJournal([accept("a") + accept("b").slice(0, 25) + zeros]);
    expect(torn.pending.map((e) => e.id)).toEqual(["a"]);
    expect(torn.unreadable).toBe(1);
  });

  it("keeps one entry per delivery id (the first), and a delivery accepted again after its hand-over is pending again", () => {
    expect(replayJournal([accept("a", 1) + accept("a", 2)]).pending).toEqual([entry("a", 1)]);
    expect(replayJournal([accept("a") + done("a"), accept("a")]).pending.map((e) => e.id)).toEqual(["a"]);
  });

  it("names segments so they sort in order", () => {
    expect(segmentName(7)).toBe("journal-000000000007.jsonl");
    expect(segmentNumber(segmentName(123))).toBe(123);
    expect(segmentNumber("d-1.json")).toBeUndefined();
    expect([segmentName(10), segmentName(9)].sort()).toEqual([segmentName(9), segmentName(10)]);
  });
});
