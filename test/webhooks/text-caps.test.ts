import { describe, expect, it } from "vitest";
import { commandFromComment } from "../../src/webhooks/comment-to-command.js";
import { capText, capTitle, jsonBytes, prefixWithinBytes, TEXT_CAPS } from "../../src/webhooks/text-caps.js";
import { jobFromLabeledIssue } from "../../src/webhooks/to-job.js";
import { issuesLabeledPayload } from "../helpers/payloads.js";

const base = { owner: "acme", repo: "calc", number: 7 };
const cjk = (chars: number) => "漢".repeat(chars);

describe("text caps", () => {
  it("cut at a character boundary within the byte budget", () => {
    expect(prefixWithinBytes("abc", 10)).toBe("abc");
    expect(prefixWithinBytes(cjk(10), 10)).toBe(cjk(3));
    expect(prefixWithinBytes("😀😀😀", 9)).toBe("😀😀");
    expect(prefixWithinBytes("a😀", 4)).toBe("a");
  });

  it("say visibly when they cut, and leave short text alone", () => {
    expect(capText("short", 100, "the issue body")).toEqual({ text: "short", cut: false });
    const long = capText("x".repeat(5_000), 2_048, "the issue body");
    expect(long.cut).toBe(true);
    expect(long.text).toMatch(/^x{2048}\n\n\[fixbot: the issue body was longer than 2 KiB and is cut here; the rest was not read\]$/);
    expect(capTitle("t".repeat(2_000))).toBe(`${"t".repeat(1_024)}… (cut)`);
  });

  it("a 30,000-character CJK issue becomes a job well under the engine's 64 KiB message limit, with the note", () => {
    const decision = jobFromLabeledIssue(issuesLabeledPayload({ ...base, title: cjk(2_000), body: cjk(30_000) }), "d-1", 1);
    expect(decision.ok).toBe(true);
    if (!decision.ok) return;
    expect(jsonBytes(decision.job)).toBeLessThan(TEXT_CAPS.issueBodyBytes + TEXT_CAPS.titleBytes + 2_048);
    expect(decision.job.issue.body).toContain("[fixbot: the issue body was longer than 16 KiB and is cut here");
    expect(decision.job.issue.body.startsWith(cjk(5_000))).toBe(true);
  });

  it("a command on such an issue carries the capped issue and capped instructions", () => {
    const payload = issuesLabeledPayload({ ...base, title: "t", body: cjk(30_000) });
    const comment = {
      ...payload,
      comment: { id: 1, body: `/fixbot fix ${cjk(20_000)}`, user: { login: "alice", type: "User" } },
      sender: { login: "alice", type: "User" },
    };
    const decision = commandFromComment(comment, "d-2", 1, { word: "fixbot" });
    expect(decision.ok).toBe(true);
    if (!decision.ok) return;
    expect(jsonBytes(decision.job)).toBeLessThan(TEXT_CAPS.issueBodyBytes + TEXT_CAPS.instructionsBytes + 4_096);
    const parsed = decision.job.parsed;
    expect(parsed.kind === "command" && parsed.command.name === "fix" && parsed.command.instructions).toContain(
      "[fixbot: the text of the fix command was longer than 8 KiB",
    );
  });
});

describe("commandFromComment: cheap checks before parsing", () => {
  const payload = issuesLabeledPayload({ ...base });
  const comment = (body: string, owner = "acme", type = "User") => ({
    ...payload,
    repository: { ...payload.repository, owner: { ...payload.repository.owner, login: owner } },
    comment: { id: 1, body, user: { login: "alice", type } },
    sender: { login: "alice", type },
  });

  it("an owner outside ALLOWED_OWNERS is refused before the text is looked at", () => {
    expect(commandFromComment(comment("`a`\n".repeat(16_384), "mallory"), "d", 1, { word: "fixbot", allowedOwners: ["acme"] })).toEqual({
      ok: false,
      reason: "owner mallory is not in ALLOWED_OWNERS",
    });
  });

  it("a bot's comment is refused, whatever it says", () => {
    expect(commandFromComment(comment("/fixbot fix", "acme", "Bot"), "d", 1, { word: "fixbot" })).toMatchObject({
      ok: false,
      reason: expect.stringContaining("is a bot"),
    });
  });

  it("a hostile comment without the word is dropped without parsing; one with it still parses correctly", () => {
    expect(commandFromComment(comment("`a`\n".repeat(16_384)), "d", 1, { word: "fixbot" })).toEqual({ ok: false, reason: "no command" });
    expect(commandFromComment(comment(`${"`a`\n".repeat(16_000)}\n/fixbot status`), "d", 1, { word: "fixbot" })).toMatchObject({
      ok: true,
      job: { parsed: { kind: "command", command: { name: "status" } } },
    });
  });
});
