import { z } from "zod";
import { AGENT_PRESET_NAMES, type AgentPresetName } from "../agents/presets.js";
import { AGENT_BACKENDS, agentSectionProblem } from "../agents/selection.js";
import { PullRequestsConfigSchema } from "./pull-requests.schema.js";

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name: letters, digits and underscores, not starting with a digit");

/** An agent: a command under the command-agent contract, a preset for a known CLI agent, or pi in an agentOS VM. */
const agentSection = z
  .object({
    /**
     * Which backend runs the agent: `command` (the default: `command` or `preset`) or `agentos` (pi in an agentOS
     * VM; the model key comes from the bot's environment, never from the repository).
     */
    backend: z.enum(AGENT_BACKENDS).optional(),
    command: z.string().min(1).optional(),
    /** A ready-made command for a known CLI agent (claude-code, codex, aider); `command` wins if both are set. */
    preset: z.enum(AGENT_PRESET_NAMES as [AgentPresetName, ...AgentPresetName[]]).optional(),
    /** Environment variable names passed to the agent (its own API keys). GitHub secrets are never passed. */
    passEnv: z.array(envName).max(50).default([]),
    /** The model for `backend: agentos` (an Anthropic model id); default: the bot's FIXBOT_MODEL, else pi's own. */
    model: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,99}$/, "must be a model id such as claude-sonnet-4-5")
      .optional(),
  })
  .strict()
  .superRefine((section, ctx) => {
    const problem = agentSectionProblem(section);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [problem.field], message: problem.message });
  })
  .default({});

/**
 * `.github/fixbot.yml`: per-repository settings. Every field is optional; the defaults are safe for a repository
 * that has never heard of fixbot. Org-wide defaults come from the org's `.github` repository (Probot's config
 * plugin merges them), so a repo file only states what differs.
 */
export const RepoConfigSchema = z
  .object({
    /** The issue label that asks fixbot for a fix. */
    label: z.string().min(1).max(50).default("fixbot"),
    /** Shell command that runs the tests. Default: detected (`npm test` when package.json has a test script). */
    testCommand: z.string().min(1).optional(),
    /** Shell command run once before the first test run, e.g. `npm ci`. */
    setupCommand: z.string().min(1).optional(),
    /** Agent attempts (edit, then test) before giving up. */
    maxAttempts: z.number().int().min(1).max(10).default(3),
    /** Open a draft pull request when the tests still fail after the last attempt (default: open nothing). */
    draftOnFailure: z.boolean().default(false),
    /** Extra instructions appended to every task given to the agent. */
    instructions: z.string().max(10_000).default(""),
    /** Time limits in seconds. Each one kills the underlying process group when it is reached. */
    timeouts: z
      .object({
        clone: z.number().int().min(5).max(3600).default(300),
        agent: z.number().int().min(5).max(7200).default(1200),
        tests: z.number().int().min(5).max(7200).default(900),
        review: z.number().int().min(5).max(3600).default(600),
      })
      .strict()
      .default({}),
    /**
     * Hard limits for one run, across its attempts. Wall time is always enforced; turns, tokens and cost are
     * enforced for agents that report usage (FIXBOT_USAGE_FILE): the agent is stopped when one is used up and
     * the tracking comment names the budget.
     */
    budgets: z
      .object({
        runMinutes: z
          .number()
          .int()
          .min(1)
          .max(24 * 60)
          .default(120),
        turns: z.number().int().min(1).max(100_000).default(300),
        tokens: z.number().int().min(1_000).max(1_000_000_000).default(5_000_000),
        costUsd: z.number().min(0.01).max(100_000).default(25),
      })
      .strict()
      .default({}),
    /** The fixing agent: a shell command honouring the command-agent contract (see README), a preset, or agentOS. */
    agent: agentSection,
    /** The reviewing agent, chained on the fixing agent's result. Without a command, preset or backend, no review. */
    review: agentSection,
    /**
     * Narrows the sandbox's network for this repository's commands (the operator's FIXBOT_SANDBOX_EGRESS sets the
     * most it may have): `none` cuts it off; `allow` keeps only these of the operator's hosts. Never widens it.
     */
    sandbox: z
      .object({
        network: z.enum(["none", "default"]).default("default"),
        allow: z.array(z.string().min(1).max(253)).max(100).optional(),
      })
      .strict()
      .default({}),
    /** Automatic pull request review (src/config/pull-requests.schema.ts); accepted here so the key is not "unknown". */
    pullRequests: PullRequestsConfigSchema.optional(),
  })
  .strict();

export type RepoConfig = z.infer<typeof RepoConfigSchema>;
export type RepoConfigInput = z.input<typeof RepoConfigSchema>;

export type ParsedRepoConfig = { ok: true; config: RepoConfig } | { ok: false; problems: string[] };

/** Validates raw YAML data; on failure returns one line per problem naming the field and the expected form. */
export function parseRepoConfig(raw: unknown): ParsedRepoConfig {
  const result = RepoConfigSchema.safeParse(raw ?? {});
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, problems: result.error.issues.map(describeIssue) };
}

function describeIssue(issue: z.ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
  if (issue.code === "unrecognized_keys") {
    return `${field}: unknown field(s) ${issue.keys.map((k) => `\`${k}\``).join(", ")}`;
  }
  return `\`${field}\`: ${issue.message}`;
}
