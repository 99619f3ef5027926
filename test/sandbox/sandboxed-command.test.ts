import { describe, expect, it } from "vitest";
import type { ProcessResult } from "../../src/exec/run-process.js";
import { SANDBOX_PATHS } from "../../src/sandbox/bwrap-args.js";
import { commandEnv, commandMounts, resourceLimits, withLimitNotes } from "../../src/sandbox/sandboxed-command.js";

const limits = { memoryMb: 512, processes: 64, diskMb: 100 };

function result(over: Partial<ProcessResult> = {}): ProcessResult {
  return {
    exitCode: 0,
    signal: null,
    timedOut: false,
    aborted: false,
    output: "ok\n",
    stdout: "ok\n",
    truncated: false,
    durationMs: 5,
    ...over,
  };
}

describe("resourceLimits", () => {
  it("turns the operator's MiB into the bytes bwrap sets", () => {
    expect(resourceLimits(limits)).toEqual({ memoryBytes: 512 * 1024 * 1024, processes: 64, fileSizeBytes: 100 * 1024 * 1024 });
  });
});

describe("commandMounts", () => {
  const dirs = { home: "/s/home", tmp: "/s/tmp", workspace: "/w" };

  it("shows HOME, TMPDIR and the workspace read-write, then the operator's paths, then the caller's on top", () => {
    const mounts = commandMounts({ ...dirs, files: "/f" }, { roPaths: ["/opt/cli"], rwPaths: ["/shared"] }, [
      { host: "/git", at: "/git", writable: false },
    ]);
    expect(mounts).toEqual([
      { host: "/s/home", at: SANDBOX_PATHS.home, writable: true },
      { host: "/s/tmp", at: SANDBOX_PATHS.tmp, writable: true },
      { host: "/w", at: SANDBOX_PATHS.workspace, writable: true },
      { host: "/f", at: SANDBOX_PATHS.run, writable: true },
      { host: "/opt/cli", at: "/opt/cli", writable: false },
      { host: "/shared", at: "/shared", writable: true },
      { host: "/git", at: "/git", writable: false },
    ]);
  });

  it("mounts nothing at the files path when the invocation has no files", () => {
    const mounts = commandMounts(dirs, { roPaths: [], rwPaths: [] });
    expect(mounts.map((m) => m.at)).toEqual([SANDBOX_PATHS.home, SANDBOX_PATHS.tmp, SANDBOX_PATHS.workspace]);
  });
});

describe("commandEnv", () => {
  it("sets the sandbox's HOME, TMPDIR and USER over the caller's, and no proxy without egress", () => {
    const env = commandEnv({ PATH: "/usr/bin", HOME: "/root", USER: "root" }, false);
    expect(env).toEqual({ PATH: "/usr/bin", HOME: SANDBOX_PATHS.home, TMPDIR: SANDBOX_PATHS.tmp, USER: "sandbox" });
  });

  it("adds the proxy variables when the command has egress", () => {
    expect(commandEnv({}, true)).toMatchObject({ HTTPS_PROXY: "http://127.0.0.1:3128", NODE_USE_ENV_PROXY: "1" });
  });
});

describe("withLimitNotes", () => {
  it("leaves a result without limits as it was, with no notes", () => {
    expect(withLimitNotes(result(), { settings: limits, refused: [] })).toEqual({ ...result(), notes: [], limitsHit: [] });
  });

  it("reports a command stopped at the disk limit with that limit, not as aborted, and appends the note", () => {
    const r = withLimitNotes(result({ aborted: true, exitCode: null, signal: "SIGTERM" }), {
      stoppedAt: "disk",
      settings: limits,
      refused: [],
    });
    expect(r.aborted).toBe(false);
    expect(r.limit).toBe("disk");
    expect(r.limitsHit).toEqual(["disk"]);
    expect(r.notes).toHaveLength(1);
    expect(r.output).toBe(`ok\n\n${r.notes[0]}\n`);
    expect(r.notes[0]).toContain("100 MiB");
  });

  it("keeps a cancel a cancel, and names refused egress", () => {
    const r = withLimitNotes(result({ aborted: true }), {
      settings: limits,
      refused: [{ host: "evil.example", port: 443, reason: "not allowed" }],
    });
    expect(r.aborted).toBe(true);
    expect(r.limit).toBeUndefined();
    expect(r.limitsHit).toEqual(["egress"]);
    expect(r.output).toContain("evil.example:443");
  });
});
