import { describe, expect, it } from "vitest";
import { DENIAL_QUIET_MS, DENIED_QUIETLY, deniedRecently } from "../../src/workflow/commands/denials.js";
import { deniedText, planRetry } from "../../src/workflow/commands/replies.js";
import { helpText } from "../../src/webhooks/parse-command.js";

const now = 10 * DENIAL_QUIET_MS;

describe("denial replies at most once per user per issue in a window", () => {
  it("a user denied here a moment ago is dropped quietly; others, and the same user after the window, are not", () => {
    const handled = [{ sender: "Mallory", outcome: "denied: @Mallory has read access", at: now - 1_000 }];
    expect(deniedRecently(handled, "mallory", now)).toBe(true);
    expect(deniedRecently(handled, "alice", now)).toBe(false);
    expect(deniedRecently(handled, "mallory", now + DENIAL_QUIET_MS)).toBe(false);
  });

  it("quiet drops do not extend the window, and other outcomes do not open one", () => {
    const handled = [
      { sender: "mallory", outcome: "denied: @mallory has read access", at: now - DENIAL_QUIET_MS - 1 },
      { sender: "mallory", outcome: DENIED_QUIETLY, at: now - 10 },
      { sender: "alice", outcome: "help", at: now - 10 },
    ];
    expect(deniedRecently(handled, "mallory", now)).toBe(false);
    expect(deniedRecently(handled, "alice", now)).toBe(false);
  });
});

describe("texts that must be true", () => {
  it("the denial and the retry refusal use the configured command word", () => {
    expect(deniedText({ sender: "mallory", role: "read", word: "bot" })).toContain("`/bot` commands");
    const open = { runId: "r1", status: "running", closed: false, job: {} } as never;
    const plan = planRetry([open], "bot");
    expect(plan.kind === "refuse" && plan.reason).toContain("`/bot cancel`");
  });

  it("help says retry resumes from the step that stopped", () => {
    expect(helpText()).toContain("resumes from that step");
    expect(helpText()).not.toContain("from the start");
  });
});
