import type { Logger } from "pino";
import { cacheConfigReads } from "../github/cached-config-reads.js";
import type { ConfigCaches } from "../github/config-cache.js";
import { CONTENTS_READ, type GitHubAccess } from "../github/octokit.js";
import { orgConfigClient } from "../github/org-config-client.js";
import { loadRepoConfigOrProblem } from "../github/repo-config.js";
import type { SettleEntries } from "../inbox/settle-batch.js";
import type { InboxEntry } from "../inbox/journal-records.js";
import { configSubject, relevanceOf, type ConfigSubject, type LoadedConfig } from "./relevance.js";

export interface SettleDeps {
  github: GitHubAccess;
  /** The config caches, one per installation (src/github/config-cache.ts). */
  caches: ConfigCaches;
  log: Logger;
  /** A config read taking longer than this leaves the delivery undecided (it goes to its actor). Default 10 s. */
  readTimeoutMs?: number;
}

/**
 * The inbox's settle step (src/inbox/settle-batch.ts): reads each repository's config once per batch, the way
 * the workflow reads it (src/github/repo-config.ts: the repo file over the org's `.github` defaults), through the
 * installation's cache, with a token that can only read that repository's contents, and settles what the
 * config rules out (src/intake/relevance.ts). A config that cannot be read (GitHub down, no access, a timeout)
 * settles nothing: those deliveries go to their actors, whose workflow retries and reports as before.
 */
export function createSettle(deps: SettleDeps): SettleEntries {
  return async (entries: InboxEntry[]) => {
    const settled = new Map<string, string>();
    const configs = new Map<string, Promise<LoadedConfig | undefined>>();
    for (const entry of entries) {
      const subject = configSubject(entry);
      if (!subject) continue;
      const key = `${subject.installationId}/${subject.repo.owner}/${subject.repo.name}`.toLowerCase();
      let loading = configs.get(key);
      if (!loading) {
        loading = loadConfig(deps, subject).catch((error: unknown) => {
          deps.log.debug(
            { deliveryId: entry.id, repo: `${subject.repo.owner}/${subject.repo.name}`, err: error },
            "could not read the repository config at the intake; handing on as usual",
          );
          return undefined;
        });
        configs.set(key, loading);
      }
      const config = await loading;
      if (!config) continue;
      const relevance = relevanceOf(entry, config);
      if (!relevance.act) settled.set(entry.id, relevance.reason);
    }
    return settled;
  };
}

/** The config, or a rejection once `readTimeoutMs` passed (the token request included: GitHub may hang). */
async function loadConfig(deps: SettleDeps, subject: ConfigSubject): Promise<LoadedConfig> {
  const timeoutMs = deps.readTimeoutMs ?? 10_000;
  const load = async () => {
    const { octokit } = await deps.github.forInstallation(subject.installationId, {
      repository: subject.repo.name,
      permissions: CONTENTS_READ,
    });
    const cache = deps.caches.forInstallation(subject.installationId);
    cacheConfigReads(octokit, cache, timeoutMs);
    const org = orgConfigClient(deps.github, subject.installationId, (client) => cacheConfigReads(client, cache, timeoutMs));
    return loadRepoConfigOrProblem(octokit, subject.repo.owner, subject.repo.name, org);
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no config after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([load(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
