import { describe, expect, it } from "vitest";
import { buildAgentEnv, isForbiddenEnvName } from "../../src/exec/agent-env.js";

const BASE = {
  PATH: "/usr/bin:/bin",
  HOME: "/home/bot",
  LANG: "C.UTF-8",
  TZ: "UTC",
  ANTHROPIC_API_KEY: "sk-ant-xyz",
  OPENAI_API_KEY: "sk-openai",
  GITHUB_TOKEN: "ghs_secret",
  GH_TOKEN: "ghp_secret",
  GITHUB_APP_PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----",
  PRIVATE_KEY: "pem",
  PRIVATE_KEY_PATH: "/keys/app.pem",
  WEBHOOK_SECRET: "whsec",
  GITHUB_CLIENT_SECRET: "cs",
  APP_ID: "12345",
  MY_GITHUB_INSTALL_TOKEN: "ghs_other",
  RIVET_TOKEN: "engine-admin",
  FIXBOT_ENGINE_TOKEN: "engine-admin",
  FIXBOT_SESSION_SECRET: "session-hmac-key",
  FIXBOT_RUNS_TOKEN: "runs-token",
  FIXBOT_METRICS_TOKEN: "metrics-token",
  DATABASE_URL: "postgres://x",
};

describe("buildAgentEnv", () => {
  it("passes only the allowlist", () => {
    expect(buildAgentEnv({ base: BASE })).toEqual({
      PATH: "/usr/bin:/bin",
      HOME: "/home/bot",
      LANG: "C.UTF-8",
      TZ: "UTC",
      GIT_TERMINAL_PROMPT: "0",
    });
  });

  it("adds passEnv names that are set, and extra", () => {
    const env = buildAgentEnv({
      base: BASE,
      passEnv: ["ANTHROPIC_API_KEY", "NOT_SET"],
      extra: { FIXBOT_MODE: "edit" },
    });
    expect(env.ANTHROPIC_API_KEY).toBe("sk-ant-xyz");
    expect(env.FIXBOT_MODE).toBe("edit");
    expect("NOT_SET" in env).toBe(false);
    expect("OPENAI_API_KEY" in env).toBe(false);
    expect("DATABASE_URL" in env).toBe(false);
  });

  it("never passes GitHub or bot secrets, even when listed in passEnv or extra", () => {
    const forbidden = [
      "GITHUB_TOKEN",
      "GH_TOKEN",
      "GITHUB_APP_PRIVATE_KEY",
      "PRIVATE_KEY",
      "PRIVATE_KEY_PATH",
      "WEBHOOK_SECRET",
      "GITHUB_CLIENT_SECRET",
      "APP_ID",
      "MY_GITHUB_INSTALL_TOKEN",
      "RIVET_TOKEN",
      "FIXBOT_ENGINE_TOKEN",
      "FIXBOT_SESSION_SECRET",
      "FIXBOT_RUNS_TOKEN",
      "FIXBOT_METRICS_TOKEN",
    ];
    const env = buildAgentEnv({ base: BASE, passEnv: forbidden, extra: { GITHUB_TOKEN: "x", gh_token: "y" } });
    for (const name of [...forbidden, "gh_token"]) expect(env).not.toHaveProperty(name);
  });

  it("always disables git's credential prompt", () => {
    expect(buildAgentEnv({ base: {}, extra: { GIT_TERMINAL_PROMPT: "1" } }).GIT_TERMINAL_PROMPT).toBe("0");
  });

  it("defaults base to process.env without modifying it", () => {
    const before = { ...process.env };
    const env = buildAgentEnv({});
    expect(env.PATH).toBe(process.env.PATH);
    expect(process.env).toEqual(before);
  });

  it("classifies names", () => {
    expect(isForbiddenEnvName("github_token")).toBe(true);
    expect(isForbiddenEnvName("GITHUB_APP_WEBHOOK_SECRET")).toBe(true);
    expect(isForbiddenEnvName("APP_PRIVATE_KEY")).toBe(true);
    expect(isForbiddenEnvName("ANTHROPIC_API_KEY")).toBe(false);
    expect(isForbiddenEnvName("OPENAI_API_KEY")).toBe(false);
  });
});
