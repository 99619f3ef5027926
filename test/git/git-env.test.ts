import { describe, expect, it } from "vitest";
import { BOT_IDENTITY, gitEnv } from "../../src/git/git-env.js";

const TOKEN = "ghs_S3cretInstallationToken1234567890";
const BASE: NodeJS.ProcessEnv = {
  PATH: "/opt/bin:/usr/bin",
  HOME: "/home/fixbot",
  LANG: "en_US.UTF-8",
  GITHUB_TOKEN: "ghp_other",
  GIT_CONFIG_COUNT: "3",
  GIT_CONFIG_KEY_0: "core.hooksPath",
  GIT_DIR: "/elsewhere",
};

/** The GIT_CONFIG_* entries as key → value. */
function configOf(env: Record<string, string>): Map<string, string> {
  const entries = new Map<string, string>();
  for (let i = 0; i < Number(env.GIT_CONFIG_COUNT ?? 0); i++) entries.set(env[`GIT_CONFIG_KEY_${i}`]!, env[`GIT_CONFIG_VALUE_${i}`]!);
  return entries;
}

describe("gitEnv with a token", () => {
  const env = gitEnv({ token: TOKEN, base: BASE });

  it("passes the token as a basic-auth http.extraHeader through GIT_CONFIG_*", () => {
    const value = configOf(env).get("http.extraHeader") ?? "";
    const match = /^Authorization: Basic ([A-Za-z0-9+/=]+)$/.exec(value);
    expect(match).not.toBeNull();
    expect(Buffer.from(match![1]!, "base64").toString("utf8")).toBe(`x-access-token:${TOKEN}`);
  });

  it("the raw token appears nowhere; its encoding only in the header's GIT_CONFIG_VALUE", () => {
    const encoded = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");
    const headerIndex = [...configOf(env).keys()].indexOf("http.extraHeader");
    for (const [key, value] of Object.entries(env)) {
      expect(value, key).not.toContain(TOKEN);
      if (key !== `GIT_CONFIG_VALUE_${headerIndex}`) expect(value, key).not.toContain(encoded);
    }
    expect(Object.keys(env).join(" ")).not.toContain(TOKEN);
  });

  it("does not carry over other variables from the host environment", () => {
    expect(env.GITHUB_TOKEN).toBeUndefined();
    expect(env.GIT_DIR).toBeUndefined();
    const count = Number(env.GIT_CONFIG_COUNT);
    expect(Object.keys(env).filter((k) => /^GIT_CONFIG_(KEY|VALUE)_/.test(k))).toHaveLength(2 * count);
  });
});

describe("gitEnv turns off every way a repository could make git run a program", () => {
  it("hooks and fsmonitor off, no submodule recursion; with or without a token", () => {
    for (const env of [gitEnv({ base: BASE }), gitEnv({ token: TOKEN, base: BASE })]) {
      const config = configOf(env);
      expect(config.get("core.hooksPath")).toBe("/dev/null");
      expect(config.get("core.fsmonitor")).toBe("false");
      expect(config.get("submodule.recurse")).toBe("false");
    }
  });

  it("without a token there is no header, even if the host had GIT_CONFIG_* variables", () => {
    for (const env of [gitEnv({ base: BASE }), gitEnv({ token: "", base: BASE })]) {
      expect(configOf(env).has("http.extraHeader")).toBe(false);
      expect(Object.values(env).some((v) => v.includes("Authorization"))).toBe(false);
    }
  });
});

describe("gitEnv basics", () => {
  it("neutralises the global and system git config and prompts", () => {
    const env = gitEnv({ base: BASE });
    expect(env.GIT_CONFIG_GLOBAL).toBe("/dev/null");
    expect(env.GIT_CONFIG_NOSYSTEM).toBe("1");
    expect(env.GIT_TERMINAL_PROMPT).toBe("0");
  });

  it("keeps PATH, HOME and LANG from the base", () => {
    expect(gitEnv({ base: BASE })).toMatchObject({ PATH: "/opt/bin:/usr/bin", HOME: "/home/fixbot", LANG: "en_US.UTF-8" });
  });

  it("falls back to safe defaults for an empty base", () => {
    expect(gitEnv({ base: {} })).toMatchObject({ PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/tmp", LANG: "C.UTF-8" });
  });

  it("uses process.env when no base is given", () => {
    expect(gitEnv({}).PATH).toBe(process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin");
  });

  it("commits as the bot identity", () => {
    expect(BOT_IDENTITY).toEqual({ name: "fixbot[bot]", email: "fixbot[bot]@users.noreply.github.com" });
  });
});
