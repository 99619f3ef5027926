import { describe, expect, it } from "vitest";
import { createGroupCommit } from "../../src/inbox/group-commit.js";

describe("group commit", () => {
  it("flushes the first item at once and every item that arrives meanwhile in the next flush", async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const commit = createGroupCommit<number>(async (batch) => {
      batches.push(batch);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
    });
    const first = commit(1);
    const later = [commit(2), commit(3), commit(4)];
    expect(batches).toEqual([[1]]);
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it("a failed flush rejects its own items only", async () => {
    let calls = 0;
    const commit = createGroupCommit<string>(async () => {
      if (++calls === 1) throw new Error("disk full");
    });
    const failed = commit("a");
    await expect(failed).rejects.toThrow("disk full");
    await expect(commit("b")).resolves.toBeUndefined();
  });

  it("resolves an item only after its own flush finished", async () => {
    const order: string[] = [];
    const commit = createGroupCommit<string>(async (batch) => {
      await new Promise((r) => setTimeout(r, 5));
      order.push(`flushed ${batch.join()}`);
    });
    await Promise.all([commit("x").then(() => order.push("x resolved")), commit("y").then(() => order.push("y resolved"))]);
    expect(order).toEqual(["flushed x", "x resolved", "flushed y", "y resolved"]);
  });
});
