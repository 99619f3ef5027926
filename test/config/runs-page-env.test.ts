import { describe, expect, it } from "vitest";
import { EnvError, readEnv } from "../../src/config/env.schema.js";
import { githubWebUrl } from "../../src/config/runs-page-env.js";

describe("runs page environment", () => {
  it("GitHub's web address: FIXBOT_GITHUB_WEB_URL, else the GHES host, else github.com", () => {
    expect(githubWebUrl({})).toBe("https://github.com");
    expect(githubWebUrl({ GHE_HOST: "ghe.example.com", GHE_PROTOCOL: "https" })).toBe("https://ghe.example.com");
    expect(githubWebUrl({ FIXBOT_GITHUB_WEB_URL: "http://127.0.0.1:9/", GHE_HOST: "ghe.example.com" })).toBe("http://127.0.0.1:9");
  });

  it("the OAuth credentials are optional; a short session secret or runs token stops start-up naming the variable", () => {
    const env = readEnv({ GITHUB_CLIENT_ID: "Iv1.abc", GITHUB_CLIENT_SECRET: "s3cret" });
    expect(env.GITHUB_CLIENT_ID).toBe("Iv1.abc");
    expect(readEnv({}).GITHUB_CLIENT_ID).toBeUndefined();
    expect(() => readEnv({ FIXBOT_SESSION_SECRET: "short" })).toThrow(EnvError);
    expect(() => readEnv({ FIXBOT_SESSION_SECRET: "short" })).toThrow(/FIXBOT_SESSION_SECRET: must be at least 32 characters/);
    expect(() => readEnv({ FIXBOT_RUNS_TOKEN: "short" })).toThrow(/FIXBOT_RUNS_TOKEN: must be at least 16 characters/);
    expect(() => readEnv({ FIXBOT_PUBLIC_URL: "not a url" })).toThrow(/FIXBOT_PUBLIC_URL/);
  });
});
