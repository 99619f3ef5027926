/**
 * Which directories under the data directory the garbage collector removes. Pure: the sweeper gathers the
 * entries (size, last use, lease) and removes what this returns.
 */
export interface DiskEntry {
  path: string;
  /**
   * `workspace`: a clone (may be evicted when the disk is over its limit); `scratch`: leftovers (retention only);
   * `mirror`: a repository's git mirror (warm clones: its own, longer retention; evicted for size only after
   * every idle workspace).
   */
  kind: "workspace" | "scratch" | "mirror";
  /** Last use, ms since the epoch (the lease's release, or the directory's mtime). */
  lastUsed: number;
  bytes: number;
  /** In use by a live step: never removed. */
  leased: boolean;
}

export interface GcPolicy {
  retentionMs: number;
  /** Retention of git mirrors (unused for longer: removed); undefined: the workspaces' retention. */
  mirrorRetentionMs?: number;
  /** Limit of the data directory's total size; undefined: no size limit. */
  maxBytes?: number;
  /** Bytes of the data directory outside the entries (engine data, inbox): counted, never removed. */
  otherBytes: number;
}

export interface Victim {
  path: string;
  reason: "retention" | "size";
  bytes: number;
}

/**
 * Entries unused for longer than the retention period go first; then, while the data directory is over its size
 * limit, the least recently used workspaces. A leased entry is never chosen, even if the limit cannot be met
 * without it. Scratch entries (agents' temporary files, not leased) only ever go by retention.
 */
export function chooseVictims(entries: readonly DiskEntry[], now: number, policy: GcPolicy): Victim[] {
  const victims: Victim[] = [];
  const kept: DiskEntry[] = [];
  for (const entry of entries) {
    const retention = entry.kind === "mirror" ? (policy.mirrorRetentionMs ?? policy.retentionMs) : policy.retentionMs;
    if (!entry.leased && now - entry.lastUsed > retention) victims.push({ path: entry.path, reason: "retention", bytes: entry.bytes });
    else kept.push(entry);
  }
  if (policy.maxBytes === undefined) return victims;
  let total = policy.otherBytes + kept.reduce((n, e) => n + e.bytes, 0);
  const lru = (a: DiskEntry, b: DiskEntry) => a.lastUsed - b.lastUsed || a.path.localeCompare(b.path);
  const idle = (kind: DiskEntry["kind"]) => kept.filter((e) => !e.leased && e.kind === kind).sort(lru);
  const evictable = [...idle("workspace"), ...idle("mirror")];
  for (const entry of evictable) {
    if (total <= policy.maxBytes) break;
    victims.push({ path: entry.path, reason: "size", bytes: entry.bytes });
    total -= entry.bytes;
  }
  return victims;
}
