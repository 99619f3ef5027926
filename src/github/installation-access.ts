import type { Probot } from "probot";
import { createOctokit, type GitHubAccess, type InstallationAccess, type OctokitOptions } from "./octokit.js";

/** Tokens are reused until this long before they expire (GitHub issues them for an hour). */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Installation access from the Probot app's credentials: an installation token (cached until near expiry) and
 * an @octokit/rest client using it. The token never leaves this process except as git's HTTP header.
 */
export function createInstallationAccess(params: { probot: () => Probot; octokit: OctokitOptions; now?: () => number }): GitHubAccess {
  const now = params.now ?? Date.now;
  const cache = new Map<number, { token: string; expiresAt: number }>();
  return {
    async forInstallation(installationId: number): Promise<InstallationAccess> {
      let entry = cache.get(installationId);
      if (!entry || entry.expiresAt - REFRESH_MARGIN_MS <= now()) {
        // Asked through the App (JWT) client, which honours GHE_HOST; Probot's installation auth hook does not.
        const appOctokit = await params.probot().auth();
        const { data } = await appOctokit.request("POST /app/installations/{installation_id}/access_tokens", { installation_id: installationId });
        entry = { token: data.token, expiresAt: data.expires_at ? Date.parse(data.expires_at) : now() + 55 * 60_000 };
        cache.set(installationId, entry);
      }
      return { token: entry.token, octokit: createOctokit({ token: entry.token, ...params.octokit }) };
    },
  };
}
