/** What the sandbox's limits look like from the outside, for the tracking comment (pure). */
export interface LimitFacts {
  /** Set when fixbot itself stopped the command at a limit it watches. */
  stoppedAt?: "disk";
  output: string;
  limits: { memoryMb: number; processes: number; diskMb: number };
  /** Egress the proxy refused during the command. */
  refused: ReadonlyArray<{ host: string; port: number; reason: string }>;
}

const FORK_FAILED = /Cannot fork|fork: (retry: )?Resource temporarily unavailable|spawn\S* EAGAIN|EAGAIN.*spawn|can't fork/i;
const OUT_OF_MEMORY = /Cannot allocate memory|ENOMEM|JavaScript heap out of memory|MemoryError|std::bad_alloc|out of memory/i;

/**
 * Lines fixbot appends to a sandboxed command's output, naming the limit it hit. The disk limit is certain (fixbot
 * stopped the command); the process and memory limits are enforced by the kernel, which only shows as the
 * command's own errors, so those notes say "probably". Egress refusals are listed so a failing `npm ci` explains itself.
 */
export function limitNotes(facts: LimitFacts): string[] {
  const notes: string[] = [];
  if (facts.stoppedAt === "disk")
    notes.push(
      `fixbot stopped the command: the workspace, HOME and TMPDIR used more than the sandbox's disk limit (${facts.limits.diskMb} MiB, FIXBOT_SANDBOX_DISK_MB).`,
    );
  if (FORK_FAILED.test(facts.output))
    notes.push(`The command probably hit the sandbox's process limit (${facts.limits.processes} processes, FIXBOT_SANDBOX_PROCESSES).`);
  if (OUT_OF_MEMORY.test(facts.output))
    notes.push(
      `The command probably hit the sandbox's memory limit (${facts.limits.memoryMb} MiB of memory per process, FIXBOT_SANDBOX_MEMORY_MB).`,
    );
  const hosts = [...new Set(facts.refused.map((r) => `${r.host}:${r.port}`))];
  if (hosts.length > 0)
    notes.push(
      `The sandbox refused network access to ${hosts.slice(0, 5).join(", ")}${hosts.length > 5 ? ` and ${hosts.length - 5} more` : ""} (${facts.refused[0]!.reason}; see FIXBOT_SANDBOX_EGRESS in fixbot's README).`,
    );
  return notes.map((n) => `[fixbot] ${n}`);
}

export type LimitName = "disk" | "processes" | "memory" | "egress";

/** Which limits a command hit, by the same signs as limitNotes (for the metrics). Pure. */
export function limitsHit(facts: LimitFacts): LimitName[] {
  const hit: LimitName[] = [];
  if (facts.stoppedAt === "disk") hit.push("disk");
  if (FORK_FAILED.test(facts.output)) hit.push("processes");
  if (OUT_OF_MEMORY.test(facts.output)) hit.push("memory");
  if (facts.refused.length > 0) hit.push("egress");
  return hit;
}
