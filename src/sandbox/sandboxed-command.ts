/**
 * The decisions about one sandboxed command (pure): what it sees mounted, its environment, its resource limits and
 * how its result reads once fixbot's limit notes are added. sandbox.ts does the I/O around them.
 */
import type { ProcessResult } from "../exec/run-process.js";
import { proxyEnv, SANDBOX_PATHS, type BwrapSpec, type Mount } from "./bwrap-args.js";
import { limitNotes, limitsHit, type LimitFacts, type LimitName } from "./limit-notes.js";
import type { SandboxSettings } from "./settings.js";

const MiB = 1024 * 1024;

type LimitSettings = Pick<SandboxSettings, "memoryMb" | "processes" | "diskMb">;

/** The kernel-enforced limits bwrap sets from the operator's settings. */
export function resourceLimits(settings: LimitSettings): BwrapSpec["limits"] {
  return { memoryBytes: settings.memoryMb * MiB, processes: settings.processes, fileSizeBytes: settings.diskMb * MiB };
}

/**
 * Everything a command sees mounted besides the system: its HOME and TMPDIR, the workspace, the invocation's files,
 * the operator's extra paths and the caller's mounts, in this order.
 */
export function commandMounts(
  dirs: { home: string; tmp: string; workspace: string; files?: string },
  settings: Pick<SandboxSettings, "roPaths" | "rwPaths">,
  extra: readonly Mount[] = [],
): Mount[] {
  // Later mounts go on top: the operator's paths keep their place even below /tmp.
  return [
    { host: dirs.home, at: SANDBOX_PATHS.home, writable: true },
    { host: dirs.tmp, at: SANDBOX_PATHS.tmp, writable: true },
    { host: dirs.workspace, at: SANDBOX_PATHS.workspace, writable: true },
    ...(dirs.files ? [{ host: dirs.files, at: SANDBOX_PATHS.run, writable: true }] : []),
    ...settings.roPaths.map((p) => ({ host: p, at: p, writable: false })),
    ...settings.rwPaths.map((p) => ({ host: p, at: p, writable: true })),
    ...extra,
  ];
}

/** The caller's environment with the sandbox's HOME, TMPDIR and USER (these win), and the proxy variables when it has egress. */
export function commandEnv(env: Record<string, string>, withProxy: boolean): Record<string, string> {
  return { ...env, HOME: SANDBOX_PATHS.home, TMPDIR: SANDBOX_PATHS.tmp, USER: "sandbox", ...(withProxy ? proxyEnv() : {}) };
}

/**
 * The command's result with the notes naming the limits it hit appended to its output. A command fixbot stopped at
 * a limit is reported with that limit, not as aborted.
 */
export function withLimitNotes(
  result: ProcessResult,
  facts: { stoppedAt?: "disk"; settings: LimitSettings; refused: LimitFacts["refused"] },
): ProcessResult & { limit?: "disk"; notes: string[]; limitsHit: LimitName[] } {
  const limits = { memoryMb: facts.settings.memoryMb, processes: facts.settings.processes, diskMb: facts.settings.diskMb };
  const all: LimitFacts = { stoppedAt: facts.stoppedAt, output: result.output, limits, refused: facts.refused };
  const notes = limitNotes(all);
  const tail = notes.length ? `\n${notes.join("\n")}\n` : "";
  return {
    ...result,
    aborted: result.aborted && !facts.stoppedAt,
    output: result.output + tail,
    ...(facts.stoppedAt ? { limit: facts.stoppedAt } : {}),
    notes,
    limitsHit: limitsHit(all),
  };
}
