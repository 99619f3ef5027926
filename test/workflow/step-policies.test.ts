import { describe, expect, it } from "vitest";
import { agentTimeoutMs, GITHUB_CALL, stepPolicies, withSlot } from "../../src/workflow/step-policies.js";

const config = { timeouts: { clone: 60, agent: 600, tests: 300, review: 120 } };

describe("stepPolicies", () => {
  it("gives the steps that lay out a workspace the clone time on top of their own", () => {
    const p = stepPolicies(config);
    expect(p.clone).toEqual({ timeoutMs: 60_000, maxRetries: 3 });
    expect(p.agent).toEqual({ timeoutMs: 660_000, maxRetries: 1 });
    expect(p.tests).toEqual({ timeoutMs: 360_000, maxRetries: 1 });
    expect(p.review).toEqual({ timeoutMs: 180_000, maxRetries: 1 });
    expect(p.push).toEqual({ timeoutMs: 60_000, maxRetries: 4 });
  });
  it("retries GitHub calls more than work that runs agents or tests", () => {
    const p = stepPolicies(config);
    expect(p.openPullRequest).toBe(GITHUB_CALL);
    expect(p.checkRequest.maxRetries).toBeGreaterThan(p.agent.maxRetries);
  });
});

describe("agentTimeoutMs", () => {
  it("is the configured timeout, or the run's time left when that is less", () => {
    expect(agentTimeoutMs(config, 10_000_000)).toBe(600_000);
    expect(agentTimeoutMs(config, 42_000)).toBe(42_000);
  });
});

describe("withSlot", () => {
  it("adds a slot only when there is one", () => {
    expect(withSlot(GITHUB_CALL, undefined)).toBe(GITHUB_CALL);
    const slot = { slots: {} as never, claim: { repo: "a/b", vm: false, label: "x" } };
    expect(withSlot(GITHUB_CALL, slot)).toEqual({ ...GITHUB_CALL, slot });
  });
});
