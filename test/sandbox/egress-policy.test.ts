import { describe, expect, it } from "vitest";
import { decideEgress, egressPolicy, isInternalAddress } from "../../src/sandbox/egress-policy.js";
import { DEFAULT_AGENT_HOSTS, DEFAULT_TEST_HOSTS } from "../../src/sandbox/settings.js";

const operator = {
  egress: "allowlist" as const,
  testHosts: ["registry.npmjs.org", "*.pythonhosted.org", "10.0.0.5:4873"],
  agentHosts: ["api.anthropic.com"],
};

describe("egressPolicy: the operator sets the most, a repository only narrows", () => {
  it("tests get the registries, agents the model API", () => {
    expect(egressPolicy(operator, "tests")).toEqual({ mode: "allowlist", allow: operator.testHosts });
    expect(egressPolicy(operator, "agent")).toEqual({ mode: "allowlist", allow: ["api.anthropic.com"] });
  });

  it("the defaults are the package registries for tests and the model APIs for agents", () => {
    expect(DEFAULT_TEST_HOSTS).toContain("registry.npmjs.org");
    expect(DEFAULT_AGENT_HOSTS).toEqual(["api.anthropic.com", "api.openai.com"]);
  });

  it("a repository can cut the network off, whatever the operator allows", () => {
    expect(egressPolicy(operator, "tests", { network: "none" })).toEqual({ mode: "none", allow: [] });
    expect(egressPolicy({ ...operator, egress: "open" }, "agent", { network: "none" })).toEqual({ mode: "none", allow: [] });
  });

  it("a repository's hosts are kept only where the operator allows them: it can never add one", () => {
    expect(egressPolicy(operator, "tests", { allow: ["registry.npmjs.org", "evil.example"] })).toEqual({
      mode: "allowlist",
      allow: ["registry.npmjs.org"],
    });
    expect(egressPolicy(operator, "tests", { allow: ["files.pythonhosted.org"] })).toEqual({
      mode: "allowlist",
      allow: ["files.pythonhosted.org"],
    });
    expect(egressPolicy(operator, "tests", { allow: ["evil.example"] })).toEqual({ mode: "none", allow: [] });
  });

  it("narrowing an open network gives an allowlist of the repository's hosts; `none` from the operator stays none", () => {
    expect(egressPolicy({ ...operator, egress: "open" }, "tests", { allow: ["example.org"] })).toEqual({
      mode: "allowlist",
      allow: ["example.org"],
    });
    expect(egressPolicy({ ...operator, egress: "none" }, "tests", { allow: ["registry.npmjs.org"] })).toEqual({ mode: "none", allow: [] });
  });
});

describe("decideEgress", () => {
  const allow = { mode: "allowlist" as const, allow: ["registry.npmjs.org", "*.pythonhosted.org", "10.0.0.5:4873"] };

  it("allows listed hosts and globs, refuses the rest with a reason", () => {
    expect(decideEgress(allow, "registry.npmjs.org", 443)).toEqual({ allowed: true, explicit: false });
    expect(decideEgress(allow, "FILES.pythonhosted.org", 443)).toEqual({ allowed: true, explicit: false });
    expect(decideEgress(allow, "pythonhosted.org.evil.example", 443)).toMatchObject({ allowed: false });
    expect(decideEgress(allow, "example.com", 443)).toEqual({ allowed: false, reason: "example.com is not on the sandbox's allowlist" });
  });

  it("never the host's loopback or private addresses, even when the network is open, unless listed as host:port", () => {
    const open = { mode: "open" as const, allow: [] };
    for (const host of [
      "127.0.0.1",
      "localhost",
      "api.localhost",
      "10.1.2.3",
      "192.168.0.1",
      "172.20.0.1",
      "169.254.169.254",
      "[::1]",
      "0.0.0.0",
      "100.64.0.1",
    ]) {
      expect(decideEgress(open, host, 80), host).toMatchObject({ allowed: false });
    }
    expect(decideEgress(open, "example.com", 443)).toEqual({ allowed: true, explicit: false });
    expect(decideEgress(allow, "10.0.0.5", 4873)).toEqual({ allowed: true, explicit: true });
    expect(decideEgress(allow, "10.0.0.5", 22)).toMatchObject({ allowed: false });
  });

  it("`none` refuses everything", () => {
    expect(decideEgress({ mode: "none", allow: [] }, "registry.npmjs.org", 443)).toEqual({
      allowed: false,
      reason: "the sandbox has no network access",
    });
  });
});

describe("isInternalAddress", () => {
  it("knows loopback, private, link-local, CGNAT, multicast and mapped IPv6", () => {
    for (const ip of [
      "127.0.0.2",
      "10.0.0.1",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.1.1",
      "100.100.0.1",
      "224.0.0.1",
      "::1",
      "fd00::1",
      "fe80::1",
      "::ffff:127.0.0.1",
    ]) {
      expect(isInternalAddress(ip), ip).toBe(true);
    }
    for (const ip of ["1.1.1.1", "104.16.0.1", "2606:4700::1111", "172.32.0.1"]) expect(isInternalAddress(ip), ip).toBe(false);
  });
});
