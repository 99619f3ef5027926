import { describe, expect, it } from "vitest";
import { helpText, MAX_SCANNED_CHARS, mentionsCommandWord, parseCommand } from "../../src/webhooks/parse-command.js";

// Inputs from issue #12 that made the parser quadratic (lines x code spans). Only correctness is asserted here;
// bench/hostile-comment.ts prints the time the intake takes to answer while such comments are processed.
describe("parseCommand: hostile inputs", () => {
  it("a 64 KB comment of one-line code spans holds no command, and a command after it is found", () => {
    const spans = "`a`\n".repeat(16_384);
    expect(parseCommand(spans)).toEqual({ kind: "none" });
    expect(parseCommand(`/fixbot status\n\n${spans}`)).toEqual({ kind: "command", command: { name: "status" } });
  });

  it("unclosed backtick runs of many lengths in one paragraph", () => {
    const body = Array.from({ length: 20_000 }, (_, i) => "`".repeat((i % 50) + 1) + "x").join("\n");
    expect(parseCommand(`${body}\n/fixbot review`)).toEqual({ kind: "none" });
  });

  it("a code span that opens on the first line and closes on the last still hides the lines between", () => {
    const body = `\`${"x\n".repeat(10_000)}/fixbot review\n\``;
    expect(parseCommand(body)).toEqual({ kind: "none" });
  });

  it("a 1 MB comment: only the first MAX_SCANNED_CHARS characters are read", () => {
    const filler = "lorem ipsum `dolor` <!-- c --> sit\n".repeat(Math.ceil(1_000_000 / 35));
    expect(filler.length).toBeGreaterThan(MAX_SCANNED_CHARS);
    expect(parseCommand(`/fixbot cancel\n\n${filler}`)).toEqual({ kind: "command", command: { name: "cancel" } });
    expect(parseCommand(`${filler}\n\n/fixbot cancel`)).toEqual({ kind: "none" });
    expect(mentionsCommandWord(`${filler}\n\n/fixbot cancel`)).toBe(false);
  });

  it("a line made of thousands of HTML comments", () => {
    expect(parseCommand(`${"<!-- x -->".repeat(6_000)}/fixbot help`)).toEqual({ kind: "command", command: { name: "help" } });
    expect(parseCommand(`${"<!--".repeat(15_000)}\n/fixbot help`)).toEqual({ kind: "none" });
  });

  it("the help text says how much of a comment is read", () => {
    expect(helpText()).toContain("65,536 characters");
  });
});

describe("mentionsCommandWord: the cheap look before parsing", () => {
  it("finds the word anywhere, in any case, with the configured word", () => {
    expect(mentionsCommandWord("please /FixBot review")).toBe(true);
    expect(mentionsCommandWord("/bot review", "bot")).toBe(true);
    expect(mentionsCommandWord("/bot review", "fixbot")).toBe(false);
    expect(mentionsCommandWord("LGTM")).toBe(false);
  });
});
