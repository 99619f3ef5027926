import { z } from "zod";

/**
 * The operator's sandbox settings (environment variables). Repository code (agents, setup and test commands, and
 * everything they start) runs inside this sandbox; a repository's config can narrow the network, never widen it.
 */

/** Package registries the default test egress allows (setup commands install dependencies). */
export const DEFAULT_TEST_HOSTS = [
  "registry.npmjs.org",
  "registry.yarnpkg.com",
  "pypi.org",
  "files.pythonhosted.org",
  "crates.io",
  "index.crates.io",
  "static.crates.io",
  "proxy.golang.org",
  "sum.golang.org",
  "rubygems.org",
  "repo.maven.apache.org",
  "repo1.maven.org",
];

/** Model APIs the default agent egress allows (the CLIs of the presets call these). */
export const DEFAULT_AGENT_HOSTS = ["api.anthropic.com", "api.openai.com"];

export type EgressMode = "none" | "allowlist" | "open";

const list = z.string().transform((s) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean),
);
const positive = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = z.object({
  FIXBOT_SANDBOX: z.enum(["on", "off"]).default("on"),
  FIXBOT_SANDBOX_EGRESS: z.enum(["none", "allowlist", "open"]).default("allowlist"),
  FIXBOT_SANDBOX_TEST_HOSTS: list.optional(),
  FIXBOT_SANDBOX_AGENT_HOSTS: list.optional(),
  FIXBOT_SANDBOX_RO_PATHS: list.optional(),
  FIXBOT_SANDBOX_RW_PATHS: list.optional(),
  FIXBOT_SANDBOX_UID_BASE: z.coerce
    .number()
    .int()
    .min(1000)
    .max(2 ** 31 - 70_000)
    .default(200_000),
  FIXBOT_SANDBOX_MEMORY_MB: positive(4096),
  FIXBOT_SANDBOX_PROCESSES: positive(512),
  FIXBOT_SANDBOX_DISK_MB: positive(10_240),
});

export interface SandboxSettings {
  enabled: boolean;
  egress: EgressMode;
  /** Hosts (picomatch globs, or `host:port`) test and setup commands may reach under `allowlist`. */
  testHosts: string[];
  /** Hosts agents may reach under `allowlist`. */
  agentHosts: string[];
  /** Extra host paths made visible read-only at the same path (agent CLIs installed outside /usr and /opt). */
  roPaths: string[];
  /**
   * Host paths shown read-write at the same path in EVERY sandbox. Whatever is there is shared by the code of
   * every repository: only for what any of them may read and change (a test harness's scratch directory).
   */
  rwPaths: string[];
  /** First uid of the range sandboxed processes run as when fixbot is root (one uid per workspace). */
  uidBase: number;
  /** Memory per process (RLIMIT_DATA: heap and private writable mappings), MiB. */
  memoryMb: number;
  /** Processes and threads of the sandbox's uid. */
  processes: number;
  /** Disk the workspace, HOME and TMPDIR may use together, MiB. */
  diskMb: number;
}

export class SandboxSettingsError extends Error {}

/** Reads the sandbox settings; a bad value names the variable. Pure: `env` is only read. */
export function readSandboxSettings(env: NodeJS.ProcessEnv = process.env): SandboxSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new SandboxSettingsError(`invalid sandbox setting: ${problems}`);
  }
  const e = parsed.data;
  return {
    enabled: e.FIXBOT_SANDBOX === "on",
    egress: e.FIXBOT_SANDBOX_EGRESS,
    testHosts: e.FIXBOT_SANDBOX_TEST_HOSTS ?? DEFAULT_TEST_HOSTS,
    agentHosts: e.FIXBOT_SANDBOX_AGENT_HOSTS ?? DEFAULT_AGENT_HOSTS,
    roPaths: e.FIXBOT_SANDBOX_RO_PATHS ?? [],
    rwPaths: e.FIXBOT_SANDBOX_RW_PATHS ?? [],
    uidBase: e.FIXBOT_SANDBOX_UID_BASE,
    memoryMb: e.FIXBOT_SANDBOX_MEMORY_MB,
    processes: e.FIXBOT_SANDBOX_PROCESSES,
    diskMb: e.FIXBOT_SANDBOX_DISK_MB,
  };
}
