import { createProbot, type Probot } from "probot";
import type { Logger } from "pino";
import { apiBaseUrl, type Env } from "../config/env.schema.js";
import { createInstallationAccess } from "../github/installation-access.js";
import type { GitHubAccess } from "../github/octokit.js";

/**
 * The App's GitHub access for a process without Probot's server (the worker role): a Probot instance made from
 * the same variables as Probot's run() reads (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, GHE_HOST...), used only
 * for the App's JWT and installation tokens.
 */
export function appAccessWithoutServer(env: Env, log: Logger): GitHubAccess {
  let probot: Probot | undefined;
  return createInstallationAccess({
    probot: () => (probot ??= createProbot({ env: process.env, overrides: { log } })),
    octokit: { baseUrl: apiBaseUrl(env), throttle: env.FIXBOT_GITHUB_THROTTLE === "on" },
  });
}
