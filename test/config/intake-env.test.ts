import { describe, expect, it } from "vitest";
import { EnvError, readEnv } from "../../src/config/env.schema.js";
import { configCacheSettings } from "../../src/config/intake-env.schema.js";

describe("the intake's settings in the environment", () => {
  it("defaults: the filter on, configs used for 5 minutes, 1000 files per installation", () => {
    const env = readEnv({});
    expect(env.FIXBOT_RELEVANCE_FILTER).toBe("on");
    expect(configCacheSettings(env)).toEqual({ maxAgeMs: 300_000, maxEntries: 1000 });
  });

  it("takes an operator's values", () => {
    const env = readEnv({ FIXBOT_RELEVANCE_FILTER: "off", FIXBOT_CONFIG_CACHE_SECONDS: "0", FIXBOT_CONFIG_CACHE_ENTRIES: "50" });
    expect(env.FIXBOT_RELEVANCE_FILTER).toBe("off");
    expect(configCacheSettings(env)).toEqual({ maxAgeMs: 0, maxEntries: 50 });
  });

  it("a bad value stops start-up naming the variable", () => {
    expect(() => readEnv({ FIXBOT_CONFIG_CACHE_SECONDS: "-1" })).toThrow(EnvError);
    expect(() => readEnv({ FIXBOT_CONFIG_CACHE_SECONDS: "-1" })).toThrow(/FIXBOT_CONFIG_CACHE_SECONDS: must be 0 or more/);
    expect(() => readEnv({ FIXBOT_CONFIG_CACHE_ENTRIES: "0" })).toThrow(/FIXBOT_CONFIG_CACHE_ENTRIES/);
    expect(() => readEnv({ FIXBOT_RELEVANCE_FILTER: "maybe" })).toThrow(/FIXBOT_RELEVANCE_FILTER/);
  });
});
