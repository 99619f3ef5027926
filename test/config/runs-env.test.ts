import { describe, expect, it } from "vitest";
import { readEnv } from "../../src/config/env.schema.js";

describe("FIXBOT_RUNS_TOKEN", () => {
  it("unset by default (the runs API refuses); a short token stops start-up naming the variable", () => {
    expect(readEnv({}).FIXBOT_RUNS_TOKEN).toBeUndefined();
    expect(readEnv({ FIXBOT_RUNS_TOKEN: "r".repeat(16) }).FIXBOT_RUNS_TOKEN).toBe("r".repeat(16));
    expect(() => readEnv({ FIXBOT_RUNS_TOKEN: "short" })).toThrow(/FIXBOT_RUNS_TOKEN: must be at least 16 characters/);
  });
});
