/**
 * The environment git runs with. The installation token travels as an HTTP header through git's
 * GIT_CONFIG_COUNT/KEY/VALUE variables: never in the URL, never in `.git/config`, never in `ps` output.
 */
export function gitEnv(params: { token?: string; base?: NodeJS.ProcessEnv }): Record<string, string> {
  const base = params.base ?? process.env;
  const env: Record<string, string> = {
    PATH: base.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: base.HOME ?? "/tmp",
    LANG: base.LANG ?? "C.UTF-8",
    GIT_TERMINAL_PROMPT: "0",
    // Ignore the host's global/system git config: fixbot's behaviour must not depend on the machine.
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
  };
  if (params.token) {
    const basic = Buffer.from(`x-access-token:${params.token}`).toString("base64");
    env.GIT_CONFIG_COUNT = "1";
    env.GIT_CONFIG_KEY_0 = "http.extraHeader";
    env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${basic}`;
  }
  return env;
}

/** The identity fixbot commits with. */
export const BOT_IDENTITY = { name: "fixbot[bot]", email: "fixbot[bot]@users.noreply.github.com" } as const;
