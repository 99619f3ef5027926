import { describe, expect, it } from "vitest";
import { TailBuffer } from "../../src/util/tail-buffer.js";

describe("TailBuffer", () => {
  it("keeps everything under the limit", () => {
    const b = new TailBuffer(100);
    b.append("hello ");
    b.append(Buffer.from("world"));
    expect(b.toString()).toBe("hello world");
    expect(b.truncated).toBe(false);
  });

  it("keeps only the last maxBytes bytes", () => {
    const b = new TailBuffer(10);
    for (let i = 0; i < 100; i++) b.append(`line ${i}\n`);
    expect(b.toString()).toBe("8\nline 99\n");
    expect(Buffer.byteLength(b.toString())).toBe(10);
    expect(b.truncated).toBe(true);
  });

  it("handles a single chunk larger than the limit", () => {
    const b = new TailBuffer(5);
    b.append("abcdefghij");
    expect(b.toString()).toBe("fghij");
    expect(b.truncated).toBe(true);
  });

  it("does not produce garbage when a multi-byte character is cut", () => {
    const b = new TailBuffer(4);
    b.append("ééé"); // 6 bytes: the cut lands inside the first kept "é"
    expect(b.toString()).toBe("éé");
    expect(b.toString()).not.toContain("\uFFFD");
  });

  it("treats a zero limit as keep-nothing", () => {
    const b = new TailBuffer(0);
    b.append("x");
    expect(b.toString()).toBe("");
    expect(b.truncated).toBe(true);
  });
});
