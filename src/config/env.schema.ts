import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { ForkPolicySchema } from "../workflow/review-pr/fork-policy.js";
import { RoleEnvSchema } from "./role.schema.js";
import { IntakeEnvSchema } from "./intake-env.schema.js";
import { MetricsEnvSchema } from "./metrics-env.js";
import { RunsPageEnvSchema } from "./runs-page-env.js";
import { SpendEnvSchema } from "./spend-env.js";

const commaList = z
  .string()
  .transform((s) =>
    s
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be a comma-separated list of names")));

/**
 * The model provider of the agentOS backend (pi speaks Anthropic's Messages API). Read from the bot's (or the
 * CLI's) environment only: a repository can choose `backend: agentos` and a model, never the key or endpoint.
 */
export const AgentOsEnvSchema = z.object({
  /** API key for the agentOS backend. It stays in fixbot: the VM only gets a one-off key for fixbot's local proxy. */
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  /** An Anthropic-compatible endpoint (a gateway); default https://api.anthropic.com. */
  ANTHROPIC_BASE_URL: z.string().url("must be a URL such as https://api.anthropic.com").optional(),
  /** Default model for the agentOS backend (a repo's `agent.model` wins); unset: pi's default, claude-opus-4-6. */
  FIXBOT_MODEL: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,99}$/, "must be a model id such as claude-sonnet-4-5")
    .optional(),
});

export type AgentOsEnv = z.infer<typeof AgentOsEnvSchema>;

/** The embedded engine's settings (src/runtime/engine.ts). */
export const EngineEnvSchema = z.object({
  /**
   * After how long without a sign of life the embedded engine counts a fixbot process as dead, so that its runs
   * resume elsewhere (on the restarted process). Lower resumes sooner; too low on a starved machine could count
   * a live process as dead. RivetKit's own default is 7000.
   */
  FIXBOT_ENGINE_LOST_MS: z.coerce.number().int().min(1000, "must be at least 1000 (ms)").max(120_000).default(2500),
});

/**
 * Process configuration, from the environment only. Probot reads its own variables (APP_ID, PRIVATE_KEY,
 * PRIVATE_KEY_PATH, WEBHOOK_SECRET, GHE_HOST, PORT, LOG_LEVEL...); they are validated here too so a typo stops
 * start-up with the variable's name instead of failing later.
 */
export const EnvSchema = z
  .object({
    /** GitHub App id. Without it (and a private key) fixbot serves Probot's setup flow to create the App. */
    APP_ID: z.string().regex(/^\d+$/, "must be the numeric GitHub App id").optional(),
    /** The App's private key (PEM). Or PRIVATE_KEY_PATH. */
    PRIVATE_KEY: z.string().includes("PRIVATE KEY", { message: "must be a PEM private key" }).optional(),
    PRIVATE_KEY_PATH: z.string().min(1).optional(),
    /** Secret GitHub signs webhooks with. */
    WEBHOOK_SECRET: z.string().min(1).optional(),
    /** Where clones, scratch files and the embedded engine's data live. */
    FIXBOT_DATA_DIR: z.string().min(1).default(join(homedir(), ".fixbot")),
    /** Variables of this process an agent may receive when a repo config lists them in passEnv (its API keys). */
    FIXBOT_AGENT_ENV: commaList.default(""),
    /** Owners (orgs or users) whose installations fixbot serves; empty serves all. Others are ignored and logged. */
    ALLOWED_OWNERS: commaList.default(""),
    LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    /** GitHub Enterprise Server host (Probot's variable). */
    GHE_HOST: z
      .string()
      .regex(/^[A-Za-z0-9.-]+(:\d+)?$/, "must be a host name, e.g. github.example.com")
      .optional(),
    GHE_PROTOCOL: z.enum(["http", "https"]).default("https"),
    /**
     * Octokit's rate-limit pacing (one write per second, as GitHub asks of integrations). "off" only for test
     * rigs that talk to a fake GitHub.
     */
    FIXBOT_GITHUB_THROTTLE: z.enum(["on", "off"]).default("on"),
    /** The slash-command word: `/fixbot fix ...`. */
    FIXBOT_COMMAND_WORD: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,30}$/, "must be a word: letters, digits, dashes")
      .default("fixbot"),
    /**
     * When a webhook counts as recorded in the inbox journal, before GitHub is answered. "fsync" (default): the
     * journal line is fdatasync'ed (one sync shared by every webhook arriving meanwhile): it survives a crash of
     * fixbot and of the machine. "none": written to the kernel only: it survives a crash or SIGKILL of fixbot,
     * not a kernel crash or power loss within the next seconds (then GitHub's failed-delivery redelivery at start
     * is the only net). See README "Durability".
     */
    FIXBOT_INBOX_SYNC: z.enum(["fsync", "none"]).default("fsync"),
    /**
     * Which fork pull requests get the automatic review, at most: review (all), skip-first-time (not those of
     * first-time contributors), skip (none). A repository's `pullRequests.forks` may only narrow it.
     */
    FIXBOT_FORK_REVIEWS: ForkPolicySchema.default("review"),
    /** Finished runs' workspaces (clones, PR clones, agents' leftovers) are removed after this many hours unused. */
    FIXBOT_WORKSPACE_RETENTION_HOURS: z.coerce.number().min(0, "must be 0 or more (hours)").default(24),
    /** Git mirrors (warm clones, one per installation and repository) are removed after this many days unused. */
    FIXBOT_MIRROR_RETENTION_DAYS: z.coerce.number().min(0, "must be 0 or more (days)").default(14),
    /**
     * When the data directory takes more than this many GB, the least recently used workspaces not in use are
     * removed until it fits (engine data and the inbox are counted, never removed). 0: no size limit.
     */
    FIXBOT_DATA_DIR_MAX_GB: z.coerce.number().min(0, "must be 0 (no limit) or more (GB)").default(20),
    /** How often the workspace garbage collector runs (it also runs at start). */
    FIXBOT_GC_INTERVAL_MINUTES: z.coerce.number().min(0.1).max(1440).default(10),
    /**
     * At most this many agent, test and review steps run at once in this process; more wait in line (never
     * dropped) and the tracking comment says so. 0: no limit.
     */
    FIXBOT_MAX_CONCURRENT_RUNS: z.coerce.number().int().min(0).default(4),
    /** At most this many agentOS VMs at once in this process (each takes ~1 GB); more wait. 0: no limit. */
    FIXBOT_MAX_CONCURRENT_VMS: z.coerce.number().int().min(0).default(2),
    /** At most this many runs of one repository at once in this process; more wait. 0: no limit. */
    FIXBOT_MAX_CONCURRENT_RUNS_PER_REPO: z.coerce.number().int().min(0).default(2),
    /** An external Rivet Engine (RivetKit's variable); unset means the embedded engine. */
    RIVET_ENDPOINT: z.string().url().optional(),
  })
  .merge(AgentOsEnvSchema)
  .merge(EngineEnvSchema)
  .merge(RoleEnvSchema)
  .merge(IntakeEnvSchema)
  .merge(MetricsEnvSchema)
  .merge(RunsPageEnvSchema)
  .merge(SpendEnvSchema);

export type Env = z.infer<typeof EnvSchema>;

export class EnvError extends Error {
  override name = "EnvError";
}

/** The agentOS provider settings the agent factory takes. Pure. */
export function agentOsProvider(env: AgentOsEnv): { apiKey?: string; baseUrl?: string; model?: string } {
  return { apiKey: env.ANTHROPIC_API_KEY, baseUrl: env.ANTHROPIC_BASE_URL, model: env.FIXBOT_MODEL };
}

/** The workspace garbage collector's settings from the environment. Pure. */
export function workspaceGcSettings(
  env: Pick<
    Env,
    "FIXBOT_WORKSPACE_RETENTION_HOURS" | "FIXBOT_MIRROR_RETENTION_DAYS" | "FIXBOT_DATA_DIR_MAX_GB" | "FIXBOT_GC_INTERVAL_MINUTES"
  >,
): { retentionMs: number; mirrorRetentionMs: number; maxBytes?: number; intervalMs: number } {
  return {
    retentionMs: env.FIXBOT_WORKSPACE_RETENTION_HOURS * 3_600_000,
    mirrorRetentionMs: env.FIXBOT_MIRROR_RETENTION_DAYS * 86_400_000,
    ...(env.FIXBOT_DATA_DIR_MAX_GB > 0 ? { maxBytes: Math.round(env.FIXBOT_DATA_DIR_MAX_GB * 1024 ** 3) } : {}),
    intervalMs: Math.round(env.FIXBOT_GC_INTERVAL_MINUTES * 60_000),
  };
}

/** Validates the environment; the error lists every bad variable by name. */
export function readEnv(env: NodeJS.ProcessEnv = process.env): Env {
  return parseEnv(EnvSchema, env);
}

/** Validates the environment against one schema; the error lists every bad variable by name. */
export function parseEnv<S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data as z.infer<S>;
  const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
  throw new EnvError(`Invalid environment:\n${lines.join("\n")}`);
}

/** True when the App credentials are present; otherwise fixbot serves the setup flow. */
export function hasAppCredentials(env: Env): boolean {
  return Boolean(env.APP_ID && (env.PRIVATE_KEY || env.PRIVATE_KEY_PATH));
}

/** REST API base URL: api.github.com, or the GHES host's /api/v3. */
export function apiBaseUrl(env: Pick<Env, "GHE_HOST" | "GHE_PROTOCOL">): string {
  return env.GHE_HOST ? `${env.GHE_PROTOCOL}://${env.GHE_HOST}/api/v3` : "https://api.github.com";
}
