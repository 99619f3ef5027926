import { LruMap } from "../util/lru-map.js";

/**
 * The answers GitHub gave to config-file reads (`GET /repos/{owner}/{repo}/contents/{path}`), for ONE
 * installation: an answer one installation's token got is never given to another's request. An entry is used
 * without asking for `maxAgeMs`; after that it is asked again with `If-None-Match` (GitHub answers 304, which
 * does not count against the rate limit, when the file did not change). A `push` touching the file drops the
 * entry (invalidate), so a config change counts from the next delivery on.
 */
export interface ConfigCacheSettings {
  /** How long an answer is used without asking GitHub again (0: every read is a conditional request). */
  maxAgeMs: number;
  /** Files remembered per installation at most (least recently used dropped first). */
  maxEntries: number;
  now?: () => number;
}

/** A remembered answer: the file (with its ETag, if GitHub gave one), or "not found". */
export type CachedAnswer =
  { kind: "file"; response: unknown; etag?: string; checkedAt: number } | { kind: "missing"; error: unknown; checkedAt: number };

export type CacheLookup = { state: "fresh"; answer: CachedAnswer } | { state: "stale"; answer: CachedAnswer } | { state: "none" };

/** Where a file lives: owner and repo compare case-insensitively, as on GitHub. */
export interface FileRef {
  owner: string;
  repo: string;
  path: string;
  ref?: string;
}

function keyOf(file: FileRef): string {
  return `${file.owner.toLowerCase()}/${file.repo.toLowerCase()}\n${file.path}\n${file.ref ?? ""}`;
}

export class ConfigFileCache {
  private readonly entries: LruMap<string, CachedAnswer>;
  private readonly now: () => number;
  /** Bumped by every invalidation: a read that started before one does not store its (maybe older) answer. */
  private generation = 0;
  /** Reads in flight by file: concurrent hand-overs of one repository share one request. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly settings: ConfigCacheSettings) {
    this.entries = new LruMap(settings.maxEntries);
    this.now = settings.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cache's clock (the time an answer is stamped with). */
  clock(): number {
    return this.now();
  }

  /** Runs `read` for this file unless a read of it is already running: then its result (or error) is shared. */
  async once<T>(file: FileRef, read: () => Promise<T>): Promise<T> {
    const key = keyOf(file);
    const running = this.inFlight.get(key);
    if (running) return running as Promise<T>;
    const started = read().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  /** A token to pass to `store`: taken before the request goes out. */
  mark(): number {
    return this.generation;
  }

  lookup(file: FileRef): CacheLookup {
    const answer = this.entries.get(keyOf(file));
    if (!answer) return { state: "none" };
    return this.now() - answer.checkedAt < this.settings.maxAgeMs ? { state: "fresh", answer } : { state: "stale", answer };
  }

  /** Remembers an answer, unless an invalidation came after `mark` (then the next read asks again). */
  store(file: FileRef, answer: CachedAnswer, mark: number): void {
    if (mark !== this.generation) return;
    this.entries.set(keyOf(file), answer);
  }

  /** The time of the last check, moved to now (a 304: the remembered answer is still the file). */
  touch(answer: CachedAnswer): CachedAnswer {
    return { ...answer, checkedAt: this.now() };
  }

  /** Drops what is remembered of these paths ("all": any) of one repository, every ref; returns how many went. */
  invalidate(owner: string, repo: string, paths: readonly string[] | "all"): number {
    this.generation++;
    const prefix = `${owner.toLowerCase()}/${repo.toLowerCase()}\n`;
    let dropped = 0;
    for (const key of [...this.entries.keys()]) {
      if (!key.startsWith(prefix)) continue;
      const path = key.slice(prefix.length).split("\n")[0]!;
      if ((paths === "all" || paths.includes(path)) && this.entries.delete(key)) dropped++;
    }
    return dropped;
  }
}

/** One ConfigFileCache per installation, created on first use; at most `maxInstallations` kept (LRU). */
export class ConfigCaches {
  private readonly byInstallation: LruMap<number, ConfigFileCache>;

  constructor(private readonly settings: ConfigCacheSettings & { maxInstallations?: number }) {
    this.byInstallation = new LruMap(settings.maxInstallations ?? 1000);
  }

  forInstallation(installationId: number): ConfigFileCache {
    let cache = this.byInstallation.get(installationId);
    if (!cache) {
      cache = new ConfigFileCache(this.settings);
      this.byInstallation.set(installationId, cache);
    }
    return cache;
  }

  /** A push changed these files: forgets them in that installation's cache. Returns how many entries went. */
  invalidate(installationId: number, owner: string, repo: string, paths: readonly string[] | "all"): number {
    return this.byInstallation.get(installationId)?.invalidate(owner, repo, paths) ?? 0;
  }
}
