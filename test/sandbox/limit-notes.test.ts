import { describe, expect, it } from "vitest";
import { limitNotes } from "../../src/sandbox/limit-notes.js";

const limits = { memoryMb: 512, processes: 64, diskMb: 100 };

describe("limitNotes", () => {
  it("names the disk limit fixbot enforced, with its setting", () => {
    expect(limitNotes({ stoppedAt: "disk", output: "", limits, refused: [] })).toEqual([
      "[fixbot] fixbot stopped the command: the workspace, HOME and TMPDIR used more than the sandbox's disk limit (100 MiB, FIXBOT_SANDBOX_DISK_MB).",
    ]);
  });

  it("recognises the kernel's process and memory refusals in the output", () => {
    expect(limitNotes({ output: "sh: 1: Cannot fork", limits, refused: [] })[0]).toContain(
      "process limit (64 processes, FIXBOT_SANDBOX_PROCESSES)",
    );
    expect(limitNotes({ output: "FATAL ERROR: ... JavaScript heap out of memory", limits, refused: [] })[0]).toContain(
      "memory limit (512 MiB of memory per process",
    );
  });

  it("lists refused hosts once each", () => {
    const refused = [1, 2, 3].map(() => ({ host: "evil.example", port: 443, reason: "evil.example is not on the sandbox's allowlist" }));
    expect(limitNotes({ output: "", limits, refused })).toEqual([
      "[fixbot] The sandbox refused network access to evil.example:443 (evil.example is not on the sandbox's allowlist; see FIXBOT_SANDBOX_EGRESS in fixbot's README).",
    ]);
  });

  it("says nothing when nothing happened", () => {
    expect(limitNotes({ output: "ok", limits, refused: [] })).toEqual([]);
  });
});
