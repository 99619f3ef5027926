import { CONTENTS_READ, type FixbotOctokit, type GitHubAccess } from "./octokit.js";

/** The organisation's repository that holds org-wide defaults (`.github/fixbot.yml` in it). */
export const ORG_CONFIG_REPO = ".github";

/**
 * A client that may read the org's `.github` repository, or undefined when the App is not installed on it.
 * Installation tokens are scoped to one repository (src/github/installation-access.ts), so the repository's own
 * token cannot read the org defaults on GitHub: they need a token of their own, with `contents: read` only.
 */
export type OrgConfigClient = () => Promise<FixbotOctokit | undefined>;

/**
 * GitHub answers a token request naming a repository the installation does not cover with 422 ("There is at
 * least one repository that does not exist or is not accessible to the parent installation"); 404 when the
 * repository does not exist at all. Either way there are no org defaults fixbot may read.
 */
export function isNotAccessible(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return status === 422 || status === 404;
}

/**
 * The org-defaults client of one installation: asked at most once per call of the returned function's owner
 * (memoised), and `prepare` applied to it (the intake's config cache).
 */
export function orgConfigClient(
  github: GitHubAccess,
  installationId: number,
  prepare?: (octokit: FixbotOctokit) => FixbotOctokit,
): OrgConfigClient {
  let client: Promise<FixbotOctokit | undefined> | undefined;
  return () => {
    client ??= github.forInstallation(installationId, { repository: ORG_CONFIG_REPO, permissions: CONTENTS_READ }).then(
      ({ octokit }) => (prepare ? prepare(octokit) : octokit),
      (error: unknown) => {
        if (isNotAccessible(error)) return undefined;
        client = undefined; // a transient failure is asked again next time
        throw error;
      },
    );
    return client;
  };
}
