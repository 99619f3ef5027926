import type { Probot } from "probot";
import { createOctokit, type GitHubAccess, type InstallationAccess, type OctokitOptions, type TokenScope } from "./octokit.js";
import type { AppIdentity } from "./app-authored.js";

/** Tokens are reused until this long before they expire (GitHub issues them for an hour). */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** The cache key of a scoped token: installation, repository and the permissions in a stable order. */
export function scopeKey(installationId: number, scope: TokenScope): string {
  const perms = Object.entries(scope.permissions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return `${installationId}/${scope.repository}/${perms}`;
}

/**
 * Installation access from the Probot app's credentials: a token for one repository with only the permissions a
 * step needs (cached until near expiry) and an @octokit/rest client using it. A leaked token can then neither
 * reach the organisation's other repositories nor do more than that step could. The token never leaves this
 * process except as git's HTTP header.
 */
export function createInstallationAccess(params: { probot: () => Probot; octokit: OctokitOptions; now?: () => number }): GitHubAccess {
  const now = params.now ?? Date.now;
  const cache = new Map<string, { token: string; expiresAt: number }>();
  let identity: Promise<AppIdentity> | undefined;
  const appIdentity = (): Promise<AppIdentity> => {
    identity ??= params
      .probot()
      .auth()
      .then((app) => app.request("GET /app"))
      .then(({ data }) => {
        if (!data?.id || !data.slug) throw new Error("GET /app did not name the App (id, slug)");
        return { appId: data.id, botLogin: `${data.slug}[bot]` };
      });
    // A failed look-up is asked again next time, not remembered.
    identity.catch(() => (identity = undefined));
    return identity;
  };
  return {
    async forInstallation(installationId: number, scope: TokenScope): Promise<InstallationAccess> {
      const key = scopeKey(installationId, scope);
      let entry = cache.get(key);
      if (!entry || entry.expiresAt - REFRESH_MARGIN_MS <= now()) {
        // Asked through the App (JWT) client, which honours GHE_HOST; Probot's installation auth hook does not.
        const appOctokit = await params.probot().auth();
        const { data } = await appOctokit.request("POST /app/installations/{installation_id}/access_tokens", {
          installation_id: installationId,
          repositories: [scope.repository],
          permissions: { ...scope.permissions },
        });
        entry = { token: data.token, expiresAt: data.expires_at ? Date.parse(data.expires_at) : now() + 55 * 60_000 };
        cache.set(key, entry);
      }
      return { token: entry.token, octokit: createOctokit({ token: entry.token, ...params.octokit }), app: await appIdentity() };
    },
  };
}
