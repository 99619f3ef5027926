import type { Logger } from "pino";

/**
 * The operator's limits on concurrent work in this process: agent, test and review steps (runs), agentOS VMs,
 * and runs per repository. Work beyond a limit waits in line (first come, first served) and is never dropped.
 * Per process: several fixbot processes on one engine each have their own slots.
 */
export interface SlotLimits {
  /** Concurrent runs across the bot; undefined: no limit. */
  runs?: number;
  /** Concurrent agentOS VMs (a run that starts one needs both a run slot and a VM slot). */
  vms?: number;
  /** Concurrent runs of one repository. */
  perRepo?: number;
}

export interface SlotClaim {
  /** `owner/name`, lower case. */
  repo: string;
  vm: boolean;
  /** What waits, for the log line ("acme/calc#7 run-agent#1"). */
  label?: string;
}

export interface SlotCounts {
  runs: number;
  vms: number;
  perRepo: ReadonlyMap<string, number>;
}

export type SlotLimitName = "runs" | "vms" | "perRepo";

/** Which limit keeps `claim` from starting now, if any. Pure. */
export function blockedBy(claim: Pick<SlotClaim, "repo" | "vm">, counts: SlotCounts, limits: SlotLimits): SlotLimitName | undefined {
  if (limits.runs !== undefined && counts.runs >= limits.runs) return "runs";
  if (claim.vm && limits.vms !== undefined && counts.vms >= limits.vms) return "vms";
  if (limits.perRepo !== undefined && (counts.perRepo.get(claim.repo) ?? 0) >= limits.perRepo) return "perRepo";
  return undefined;
}

/**
 * Which waiters (indices into the line, in order) start now. Pure. First come, first served: a waiter held by
 * the bot-wide run limit holds everyone behind it; one held only by its repository's limit or by the VM limit
 * lets others pass (they do not compete for what it waits for: a VM frees together with its run slot).
 */
export function grantable(line: ReadonlyArray<Pick<SlotClaim, "repo" | "vm">>, counts: SlotCounts, limits: SlotLimits): number[] {
  const granted: number[] = [];
  const perRepo = new Map(counts.perRepo);
  let runs = counts.runs;
  let vms = counts.vms;
  for (const [i, claim] of line.entries()) {
    const blocked = blockedBy(claim, { runs, vms, perRepo }, limits);
    if (blocked === "runs") break;
    if (blocked) continue;
    granted.push(i);
    runs++;
    if (claim.vm) vms++;
    perRepo.set(claim.repo, (perRepo.get(claim.repo) ?? 0) + 1);
  }
  return granted;
}

const SETTING: Record<SlotLimitName, string> = {
  runs: "FIXBOT_MAX_CONCURRENT_RUNS",
  vms: "FIXBOT_MAX_CONCURRENT_VMS",
  perRepo: "FIXBOT_MAX_CONCURRENT_RUNS_PER_REPO",
};

/** The waiting note shown on the tracking comment and in the log. Pure. */
export function waitingText(limit: SlotLimitName, limits: SlotLimits, ahead: number): string {
  const what =
    limit === "runs"
      ? `all ${limits.runs} run slots are busy`
      : limit === "vms"
        ? `all ${limits.vms} agentOS VM slots are busy`
        : `this repository's ${limits.perRepo} run slots are busy`;
  return `waiting for a free slot: ${what} (${SETTING[limit]})${ahead > 0 ? `, ${ahead} ahead in line` : ""}`;
}

export interface RunSlots {
  /**
   * Waits for a slot and returns its release. `onWaiting` is called once if the claim has to wait. An aborted
   * signal takes the claim out of the line (rejects with the signal's reason).
   */
  acquire(claim: SlotClaim, options?: { signal?: AbortSignal; onWaiting?: (text: string) => void }): Promise<() => void>;
  counts(): { runs: number; vms: number; waiting: number };
}

interface Waiter {
  claim: SlotClaim;
  grant: () => void;
}

/** The slots in use: runs, VMs, and runs per repository (SlotCounts, kept up to date as claims take and free). */
function createSlotUsage(): { used: SlotCounts; add(claim: SlotClaim): void; remove(claim: SlotClaim): void } {
  const used = { runs: 0, vms: 0, perRepo: new Map<string, number>() };
  return {
    used,
    add(claim: SlotClaim): void {
      used.runs++;
      if (claim.vm) used.vms++;
      used.perRepo.set(claim.repo, (used.perRepo.get(claim.repo) ?? 0) + 1);
    },
    remove(claim: SlotClaim): void {
      used.runs--;
      if (claim.vm) used.vms--;
      const left = (used.perRepo.get(claim.repo) ?? 1) - 1;
      if (left > 0) used.perRepo.set(claim.repo, left);
      else used.perRepo.delete(claim.repo);
    },
  };
}

export function createRunSlots(limits: SlotLimits, log?: Logger): RunSlots {
  const line: Waiter[] = [];
  const usage = createSlotUsage();
  const { used } = usage;

  const take = (claim: SlotClaim): (() => void) => {
    usage.add(claim);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      usage.remove(claim);
      pump();
    };
  };

  const pump = () => {
    const granted = grantable(
      line.map((w) => w.claim),
      used,
      limits,
    );
    const starting = granted.map((i) => line[i]!);
    for (const waiter of starting) line.splice(line.indexOf(waiter), 1);
    for (const waiter of starting) waiter.grant();
  };

  return {
    acquire(claim, options = {}) {
      const { signal, onWaiting } = options;
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (line.length === 0 && !blockedBy(claim, used, limits)) return Promise.resolve(take(claim));
      return new Promise<() => void>((resolve, reject) => {
        const onAbort = () => {
          const at = line.indexOf(waiter);
          if (at !== -1) line.splice(at, 1);
          reject(signal?.reason);
          pump();
        };
        const waiter: Waiter = {
          claim,
          grant: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve(take(claim));
          },
        };
        line.push(waiter);
        signal?.addEventListener("abort", onAbort, { once: true });
        pump();
        const at = line.indexOf(waiter);
        if (at === -1) return; // granted at once
        const limit = blockedBy(claim, used, limits) ?? "runs";
        const text = waitingText(limit, limits, at);
        log?.info({ repo: claim.repo, what: claim.label, runs: used.runs, vms: used.vms, waiting: line.length }, `run ${text}`);
        onWaiting?.(text);
      });
    },
    counts: () => ({ runs: used.runs, vms: used.vms, waiting: line.length }),
  };
}

/** Slots from the operator's settings (0: no limit). */
export function runSlotsFromEnv(
  env: { FIXBOT_MAX_CONCURRENT_RUNS: number; FIXBOT_MAX_CONCURRENT_VMS: number; FIXBOT_MAX_CONCURRENT_RUNS_PER_REPO: number },
  log?: Logger,
): RunSlots {
  const limit = (n: number) => (n > 0 ? n : undefined);
  return createRunSlots(
    {
      runs: limit(env.FIXBOT_MAX_CONCURRENT_RUNS),
      vms: limit(env.FIXBOT_MAX_CONCURRENT_VMS),
      perRepo: limit(env.FIXBOT_MAX_CONCURRENT_RUNS_PER_REPO),
    },
    log,
  );
}
