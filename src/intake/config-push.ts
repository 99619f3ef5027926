import type { Logger } from "pino";
import type { ConfigCaches } from "../github/config-cache.js";

/** The fields of a `push` payload fixbot reads. */
export interface PushPayload {
  ref: string;
  created?: boolean;
  deleted?: boolean;
  forced?: boolean;
  commits?: Array<{ added?: string[]; modified?: string[]; removed?: string[] }> | null;
  repository: { name: string; default_branch?: string; owner: { login?: string; name?: string } | null };
  installation?: { id: number } | null;
}

/** Files a push changed: a list, or "all" when the payload cannot tell (a forced push, a long one). */
export interface ConfigPush {
  installationId: number;
  owner: string;
  repo: string;
  paths: string[] | "all";
}

/** GitHub lists at most this many commits in a push payload; a longer push may have changed any file. */
const LISTED_COMMITS = 20;

/**
 * What a push means for the config cache: undefined when it is not on the default branch (the config is read
 * from there) or has no installation; otherwise the files it touched in the repository (the org's `.github`
 * repository included: its `.github/fixbot.yml` holds the org defaults). Pure.
 */
export function configPush(payload: PushPayload): ConfigPush | undefined {
  const branch = payload.repository.default_branch;
  const installationId = payload.installation?.id;
  const owner = payload.repository.owner?.login ?? payload.repository.owner?.name;
  if (!branch || payload.ref !== `refs/heads/${branch}` || installationId === undefined || !owner) return undefined;
  const commits = payload.commits ?? [];
  const unsure =
    payload.forced === true ||
    payload.created === true ||
    payload.deleted === true ||
    commits.length === 0 ||
    commits.length >= LISTED_COMMITS;
  const paths = unsure ? "all" : [...new Set(commits.flatMap((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])]))];
  return { installationId, owner, repo: payload.repository.name, paths };
}

/**
 * The `push` handler: forgets the cached config files the push changed, so the next delivery reads the new
 * config. In-memory only, nothing recorded: a push missed (another replica got it, a restart) is covered by the
 * cache's maximum age.
 */
export function handleConfigPush(caches: ConfigCaches) {
  return (context: { id: string; payload: PushPayload; log: Logger }): void => {
    const push = configPush(context.payload);
    if (!push) return;
    const dropped = caches.invalidate(push.installationId, push.owner, push.repo, push.paths);
    if (dropped > 0)
      context.log.info(
        { deliveryId: context.id, repo: `${push.owner}/${push.repo}`, dropped },
        "repository config changed by a push: cached config dropped",
      );
  };
}
