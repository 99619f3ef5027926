/**
 * The environment git runs with. The installation token travels as an HTTP header through git's
 * GIT_CONFIG_COUNT/KEY/VALUE variables: never in the URL, never in `.git/config`, never in `ps` output. The same
 * mechanism turns off everything through which a repository's content could make git run a program: hooks,
 * fsmonitor, and the host's system and global config. fixbot runs git only in its own clean repositories, which
 * no agent or test ever sees; these settings are a second line.
 */
export function gitEnv(params: { token?: string; base?: NodeJS.ProcessEnv }): Record<string, string> {
  const base = params.base ?? process.env;
  const config: Array<[string, string]> = [
    ["core.hooksPath", "/dev/null"],
    ["core.fsmonitor", "false"],
    ["submodule.recurse", "false"],
  ];
  if (params.token) {
    const basic = Buffer.from(`x-access-token:${params.token}`).toString("base64");
    config.push(["http.extraHeader", `Authorization: Basic ${basic}`]);
  }
  const env: Record<string, string> = {
    PATH: base.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: base.HOME ?? "/tmp",
    LANG: base.LANG ?? "C.UTF-8",
    GIT_TERMINAL_PROMPT: "0",
    // Ignore the host's global/system git config: fixbot's behaviour must not depend on the machine.
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_COUNT: String(config.length),
  };
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/** The identity fixbot commits with. */
export const BOT_IDENTITY = { name: "fixbot[bot]", email: "fixbot[bot]@users.noreply.github.com" } as const;
