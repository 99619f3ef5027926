import { describe, expect, it } from "vitest";
import { chooseVictims, type DiskEntry } from "../../src/workspaces/choose-victims.js";

const HOUR = 3_600_000;
const NOW = 100 * HOUR;
const entry = (path: string, hoursAgo: number, bytes: number, extra: Partial<DiskEntry> = {}): DiskEntry => ({
  path,
  kind: "workspace",
  lastUsed: NOW - hoursAgo * HOUR,
  bytes,
  leased: false,
  ...extra,
});

describe("chooseVictims", () => {
  it("removes what was unused for longer than the retention period, and nothing else when under the size limit", () => {
    const victims = chooseVictims([entry("old", 30, 10), entry("recent", 2, 10), entry("old-scratch", 25, 5, { kind: "scratch" })], NOW, {
      retentionMs: 24 * HOUR,
      maxBytes: 1000,
      otherBytes: 0,
    });
    expect(victims).toEqual([
      { path: "old", reason: "retention", bytes: 10 },
      { path: "old-scratch", reason: "retention", bytes: 5 },
    ]);
  });

  it("never chooses a leased entry, however old", () => {
    expect(chooseVictims([entry("running", 500, 10, { leased: true })], NOW, { retentionMs: 0, otherBytes: 0 })).toEqual([]);
  });

  it("past the size limit, removes the least recently used workspaces until it fits", () => {
    const entries = [entry("b", 3, 40), entry("a", 5, 40), entry("c", 1, 40), entry("d", 4, 40)];
    // 160 + 20 other = 180 bytes, limit 100: two must go, the two least recently used (a, then d).
    expect(chooseVictims(entries, NOW, { retentionMs: 24 * HOUR, maxBytes: 100, otherBytes: 20 })).toEqual([
      { path: "a", reason: "size", bytes: 40 },
      { path: "d", reason: "size", bytes: 40 },
    ]);
  });

  it("past the size limit, a leased workspace stays even if the limit cannot be met; scratch only goes by retention", () => {
    const entries = [entry("running", 10, 500, { leased: true }), entry("idle", 2, 50), entry("tmp", 9, 50, { kind: "scratch" })];
    expect(chooseVictims(entries, NOW, { retentionMs: 24 * HOUR, maxBytes: 100, otherBytes: 0 })).toEqual([
      { path: "idle", reason: "size", bytes: 50 },
    ]);
  });

  it("mirrors keep their own, longer retention and are evicted for size only after every idle workspace", () => {
    const entries = [
      entry("mirror-old", 30 * 24, 100, { kind: "mirror" }),
      entry("mirror", 30, 100, { kind: "mirror" }),
      entry("ws", 1, 100),
    ];
    const policy = { retentionMs: 24 * HOUR, mirrorRetentionMs: 14 * 24 * HOUR, otherBytes: 0 };
    expect(chooseVictims(entries, NOW, policy)).toEqual([{ path: "mirror-old", reason: "retention", bytes: 100 }]);
    expect(chooseVictims(entries, NOW, { ...policy, maxBytes: 50 })).toEqual([
      { path: "mirror-old", reason: "retention", bytes: 100 },
      { path: "ws", reason: "size", bytes: 100 },
      { path: "mirror", reason: "size", bytes: 100 },
    ]);
  });

  it("counts retention victims as gone before deciding on size", () => {
    const entries = [entry("expired", 48, 100), entry("kept", 1, 50)];
    expect(chooseVictims(entries, NOW, { retentionMs: 24 * HOUR, maxBytes: 60, otherBytes: 0 })).toEqual([
      { path: "expired", reason: "retention", bytes: 100 },
    ]);
  });
});
