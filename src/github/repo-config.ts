import type { FixbotOctokit } from "./octokit.js";
import { ORG_CONFIG_REPO, type OrgConfigClient } from "./org-config-client.js";

export const CONFIG_PATH = ".github/fixbot.yml";

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep merge, later configs win; objects merge, arrays and scalars replace. Pure. */
export function mergeConfigs(configs: readonly unknown[]): Plain {
  const out: Plain = {};
  for (const config of configs) {
    if (!isPlain(config)) continue;
    for (const [key, value] of Object.entries(config)) {
      out[key] = isPlain(value) && isPlain(out[key]) ? mergeConfigs([out[key], value]) : value;
    }
  }
  return out;
}

/**
 * The repository's `.github/fixbot.yml` on top of the org-wide defaults in the org's `.github` repository.
 * Probot's config plugin reads the org file only when the repo has none (or `_extends` it); fixbot always
 * layers the repo file over the org defaults, so an org sets policy once and a repo states only what differs.
 * The org file is read with `org`'s client (a token for the `.github` repository: the repository's own token
 * cannot read it); no client (the App is not installed there) means no org defaults. Tests may leave `org` out
 * to read both with one client.
 */
export async function loadRepoConfig(
  octokit: FixbotOctokit,
  owner: string,
  repo: string,
  org: OrgConfigClient = async () => octokit,
): Promise<Plain> {
  const own = await octokit.config.get({ owner, repo, path: CONFIG_PATH, defaults: (configs) => mergeConfigs(configs) });
  if (repo === ORG_CONFIG_REPO || own.files.some((f) => f.repo === ORG_CONFIG_REPO)) return own.config;
  const orgOctokit = await org();
  if (!orgOctokit) return own.config;
  const defaults = await orgOctokit.config.get({
    owner,
    repo: ORG_CONFIG_REPO,
    path: CONFIG_PATH,
    defaults: (configs) => mergeConfigs(configs),
  });
  return mergeConfigs([defaults.config, own.config]);
}

/**
 * loadRepoConfig, with a YAML syntax error returned as a problem for the user to fix. Anything else (network,
 * 5xx) is thrown, so the calling step retries it.
 */
export async function loadRepoConfigOrProblem(
  octokit: FixbotOctokit,
  owner: string,
  repo: string,
  org: OrgConfigClient,
): Promise<{ ok: true; raw: Plain } | { ok: false; problems: string[] }> {
  try {
    return { ok: true, raw: await loadRepoConfig(octokit, owner, repo, org) };
  } catch (error) {
    if (error instanceof Error && /yaml|YAML|parse/i.test(error.message) && !("status" in error)) {
      return { ok: false, problems: [`${CONFIG_PATH} is not valid YAML: ${error.message.split("\n")[0]}`] };
    }
    throw error;
  }
}
