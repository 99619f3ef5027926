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

describe("gitEnv with a token", () => {
  const env = gitEnv({ token: TOKEN, base: BASE });

  it("passes the token as a basic-auth http.extraHeader through GIT_CONFIG_*", () => {
    expect(env.GIT_CONFIG_COUNT).toBe("1");
    expect(env.GIT_CONFIG_KEY_0).toBe("http.extraHeader");
    const value = env.GIT_CONFIG_VALUE_0 ?? "";
    const match = /^Authorization: Basic ([A-Za-z0-9+/=]+)$/.exec(value);
    expect(match).not.toBeNull();
    expect(Buffer.from(match![1]!, "base64").toString("utf8")).toBe(`x-access-token:${TOKEN}`);
  });

  it("the raw token appears nowhere; its encoding only in GIT_CONFIG_VALUE_0", () => {
    const encoded = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");
    for (const [key, value] of Object.entries(env)) {
      expect(value, key).not.toContain(TOKEN);
      if (key !== "GIT_CONFIG_VALUE_0") expect(value, key).not.toContain(encoded);
    }
    expect(Object.keys(env).join(" ")).not.toContain(TOKEN);
  });

  it("does not carry over other variables from the host environment", () => {
    expect(env.GITHUB_TOKEN).toBeUndefined();
    expect(env.GIT_DIR).toBeUndefined();
    expect(Object.keys(env).filter((k) => k.startsWith("GIT_CONFIG_KEY_") || k.startsWith("GIT_CONFIG_VALUE_"))).toEqual([
      "GIT_CONFIG_KEY_0",
      "GIT_CONFIG_VALUE_0",
    ]);
  });
});

describe("gitEnv without a token", () => {
  it("sets no GIT_CONFIG_COUNT/KEY/VALUE, even if the host had some", () => {
    for (const env of [gitEnv({ base: BASE }), gitEnv({ token: "", base: BASE })]) {
      expect(env.GIT_CONFIG_COUNT).toBeUndefined();
      expect(Object.keys(env).some((k) => /^GIT_CONFIG_(KEY|VALUE)_/.test(k))).toBe(false);
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
