import { isIP } from "node:net";
import picomatch from "picomatch";
import type { EgressMode, SandboxSettings } from "./settings.js";

/** What a sandboxed process may reach through the egress proxy. */
export interface EgressPolicy {
  mode: EgressMode;
  /** Under `allowlist`: host globs (`*.npmjs.org`) or exact `host:port` entries. */
  allow: string[];
}

/** A repository's narrowing (`.github/fixbot.yml` `sandbox.network`): `none`, or a subset of the operator's hosts. */
export interface RepoNetwork {
  network?: "none" | "default";
  allow?: string[];
}

export type SandboxRole = "agent" | "tests";

/**
 * The policy for one command: the operator's mode and hosts for the role, narrowed by the repository. A repo can
 * turn the network off or keep only some of the operator's hosts; it can never add a host or open the network.
 */
export function egressPolicy(
  settings: Pick<SandboxSettings, "egress" | "testHosts" | "agentHosts">,
  role: SandboxRole,
  repo: RepoNetwork = {},
): EgressPolicy {
  if (settings.egress === "none" || repo.network === "none") return { mode: "none", allow: [] };
  const operatorHosts = role === "tests" ? settings.testHosts : settings.agentHosts;
  if (!repo.allow) return { mode: settings.egress, allow: settings.egress === "open" ? [] : operatorHosts };
  // Narrowing an open network yields an allowlist of the repo's hosts; narrowing an allowlist keeps only the
  // repo's hosts the operator allows too.
  const allowedByOperator = (host: string) => settings.egress === "open" || operatorHosts.some((h) => h === host || matchesHost(h, host));
  const allow = repo.allow.filter(allowedByOperator);
  return allow.length === 0 ? { mode: "none", allow: [] } : { mode: "allowlist", allow };
}

function matchesHost(pattern: string, host: string): boolean {
  if (pattern.includes(":")) return false;
  return picomatch.isMatch(host.toLowerCase(), pattern.toLowerCase(), { dot: true });
}

/** Loopback, private, link-local, carrier-grade NAT, multicast and unspecified addresses: never reached unless listed. */
export function isInternalAddress(ip: string): boolean {
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  if (isIP(v4) === 4) {
    const [a = 0, b = 0] = v4.split(".").map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      a >= 224
    );
  }
  const v6 = ip.toLowerCase();
  return (
    v6 === "::" ||
    v6 === "::1" ||
    v6.startsWith("fc") ||
    v6.startsWith("fd") ||
    v6.startsWith("fe8") ||
    v6.startsWith("fe9") ||
    v6.startsWith("fea") ||
    v6.startsWith("feb") ||
    v6.startsWith("ff")
  );
}

export type EgressDecision = { allowed: true; explicit: boolean } | { allowed: false; reason: string };

/**
 * Whether a request for `host:port` may leave the sandbox (before name resolution). `explicit` marks an exact
 * `host:port` entry: only those may reach internal addresses (an operator's registry mirror on the LAN).
 */
export function decideEgress(policy: EgressPolicy, host: string, port: number): EgressDecision {
  const name = host.toLowerCase().replace(/^\[|\]$/g, "");
  if (policy.mode === "none") return { allowed: false, reason: "the sandbox has no network access" };
  if (policy.allow.includes(`${name}:${port}`)) return { allowed: true, explicit: true };
  if (isIP(name) && isInternalAddress(name)) return { allowed: false, reason: `${name} is an internal address` };
  if (name === "localhost" || name.endsWith(".localhost")) return { allowed: false, reason: `${name} is the host's loopback` };
  if (policy.mode === "open") return { allowed: true, explicit: false };
  if (policy.allow.some((pattern) => matchesHost(pattern, name))) return { allowed: true, explicit: false };
  return { allowed: false, reason: `${name} is not on the sandbox's allowlist` };
}
