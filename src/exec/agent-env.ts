/** Variables every command needs to behave normally; nothing else from the server's environment leaks through. */
const BASE_ALLOWLIST = ["PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TMPDIR", "TZ", "USER", "SHELL"];

/** The bot's own credentials, refused even when configured in passEnv. */
const FORBIDDEN_NAMES = new Set([
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "GH_ENTERPRISE_TOKEN",
  "GITHUB_APP_PRIVATE_KEY",
  "PRIVATE_KEY",
  "PRIVATE_KEY_PATH",
  "WEBHOOK_SECRET",
  "GITHUB_WEBHOOK_SECRET",
  "GITHUB_CLIENT_SECRET",
  "CLIENT_SECRET",
  "APP_ID",
  "GITHUB_APP_ID",
  "RIVET_TOKEN",
  "FIXBOT_ENGINE_TOKEN",
  "FIXBOT_SESSION_SECRET",
  "FIXBOT_RUNS_TOKEN",
  "FIXBOT_METRICS_TOKEN",
]);
const FORBIDDEN_PATTERN = /GITHUB.*TOKEN|PRIVATE_KEY|WEBHOOK_SECRET|CLIENT_SECRET|^(GITHUB_)?APP_.*(SECRET|KEY)/i;

/** True for names that hold GitHub or bot secrets and must never reach an agent or test process. */
export function isForbiddenEnvName(name: string): boolean {
  return FORBIDDEN_NAMES.has(name.toUpperCase()) || FORBIDDEN_PATTERN.test(name);
}

/**
 * Builds the complete environment for an agent or test command from an allowlist, because the server's own
 * environment holds the GitHub App's private key and tokens, and the agent runs untrusted repository code.
 * `passEnv` adds the agent's own variables (its API key); `extra` adds FIXBOT_* variables. Forbidden names are
 * dropped from both. Pure: `base` defaults to process.env but is only read.
 */
export function buildAgentEnv(params: {
  base?: NodeJS.ProcessEnv;
  passEnv?: readonly string[];
  extra?: Record<string, string>;
}): Record<string, string> {
  const base = params.base ?? process.env;
  const env: Record<string, string> = {};
  for (const name of [...BASE_ALLOWLIST, ...(params.passEnv ?? [])]) {
    const value = base[name];
    if (value !== undefined && !isForbiddenEnvName(name)) env[name] = value;
  }
  for (const [name, value] of Object.entries(params.extra ?? {})) {
    if (!isForbiddenEnvName(name)) env[name] = value;
  }
  env.GIT_TERMINAL_PROMPT = "0";
  return env;
}
