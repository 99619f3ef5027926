import { parseArgs } from "node:util";
import { dirname, isAbsolute } from "node:path";
import { AGENT_PRESET_NAMES, type AgentPresetName } from "../agents/presets.js";
import { agentConfigured } from "../agents/selection.js";
import { AgentOsEnvSchema, type AgentOsEnv } from "../config/env.schema.js";
import { parseRepoConfig, type RepoConfig } from "../config/repo.schema.js";

export class UsageError extends Error {
  override name = "UsageError";
}

export const USAGE = `Usage: fixbot fix --repo <path-or-git-url> --issue-file <file> [options]

Runs fixbot's fix workflow on a repository without GitHub: an agent edits a clone, the tests run, failures go
back to the agent, and the result is a local branch fixbot/<slug> in a clone under the data directory.

Options:
  --repo <path|url>          repository to fix (a local path or any git URL)
  --issue-file <file>        the issue: markdown whose first line ("# Title") is the title, or JSON {title, body}
  --agent-command <cmd>      the fixing agent (command-agent contract; see README)
  --agent <name>             a ready-made agent instead: claude-code, codex or aider (also reviews), or
                             agentos: pi in an agentOS VM (needs ANTHROPIC_API_KEY; see Environment)
  --review-command <cmd>     the reviewing agent (optional)
  --test-command <cmd>       test command (default: npm test when package.json has a test script)
  --setup-command <cmd>      run before the tests, e.g. "npm ci"
  --max-attempts <n>         agent attempts, 1-10 (default 3)
  --agent-timeout <seconds>  per-attempt agent time limit (default 1200)
  --test-timeout <seconds>   test time limit (default 900)
  --fresh                    start a new run even if the same command was interrupted before
  --json                     print one JSON object with the result
  --verbose                  log what happens to stderr

Environment: FIXBOT_DATA_DIR (default ~/.fixbot) holds clones and the workflow engine's data.
For --agent agentos: ANTHROPIC_API_KEY (required), ANTHROPIC_BASE_URL (an Anthropic-compatible endpoint,
default https://api.anthropic.com), FIXBOT_MODEL (default: pi's own, claude-opus-4-6).
Exit status: 0 fixed with tests passing, 1 not fixed, 2 bad input.`;

export interface FixArgs {
  repo: string;
  issueFile: string;
  config: RepoConfig;
  fresh: boolean;
  json: boolean;
  verbose: boolean;
}

function intOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  return n;
}

const FLAG_FOR_FIELD: Record<string, string> = {
  maxAttempts: "--max-attempts",
  "timeouts.agent": "--agent-timeout",
  "timeouts.tests": "--test-timeout",
  "agent.command": "--agent-command",
  "review.command": "--review-command",
  testCommand: "--test-command",
  setupCommand: "--setup-command",
};

/** Config problems name config fields; on the command line, name the flag the user typed. */
function flagNames(problem: string): string {
  const text = problem.replace(/`/g, "");
  const field = Object.keys(FLAG_FOR_FIELD).find((f) => text.startsWith(`${f}:`));
  return field ? `${FLAG_FOR_FIELD[field]}${text.slice(field.length)}` : text;
}

/** Parses `fixbot fix ...` arguments into a validated config. Pure: throws UsageError with a one-line reason. */
export function parseFixArgs(argv: string[]): FixArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        repo: { type: "string" },
        "issue-file": { type: "string" },
        "agent-command": { type: "string" },
        agent: { type: "string" },
        "review-command": { type: "string" },
        "test-command": { type: "string" },
        "setup-command": { type: "string" },
        "max-attempts": { type: "string" },
        "agent-timeout": { type: "string" },
        "test-timeout": { type: "string" },
        fresh: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        verbose: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (!v.repo) throw new UsageError("--repo is required (a local path or a git URL)");
  if (!v["issue-file"]) throw new UsageError("--issue-file is required (markdown with a '# Title' first line, or JSON {title, body})");
  const agentos = v.agent === "agentos";
  if (v.agent !== undefined && !agentos && !(AGENT_PRESET_NAMES as string[]).includes(v.agent)) {
    throw new UsageError(`--agent must be one of ${[...AGENT_PRESET_NAMES, "agentos"].join(", ")}, got "${v.agent}"`);
  }
  if (!v["agent-command"] && !v.agent)
    throw new UsageError("--agent-command (or --agent <name>) is required: the command that runs your agent (see README, 'Agents')");
  const preset = agentos ? undefined : (v.agent as AgentPresetName | undefined);
  const backend = agentos ? { backend: "agentos" } : {};
  const timeouts: Record<string, number> = {};
  const agentTimeout = intOption(v["agent-timeout"], "agent-timeout");
  const testTimeout = intOption(v["test-timeout"], "test-timeout");
  if (agentTimeout !== undefined) timeouts.agent = agentTimeout;
  if (testTimeout !== undefined) timeouts.tests = testTimeout;
  const config = parseRepoConfig({
    agent: { command: v["agent-command"], preset, ...backend },
    review: v["review-command"] ? { command: v["review-command"] } : preset ? { preset } : backend,
    ...(v["test-command"] ? { testCommand: v["test-command"] } : {}),
    ...(v["setup-command"] ? { setupCommand: v["setup-command"] } : {}),
    ...(v["max-attempts"] !== undefined ? { maxAttempts: intOption(v["max-attempts"], "max-attempts") } : {}),
    timeouts,
  });
  if (!config.ok) throw new UsageError(config.problems.map(flagNames).join("; "));
  return {
    repo: v.repo,
    issueFile: v["issue-file"],
    config: config.config,
    fresh: v.fresh ?? false,
    json: v.json ?? false,
    verbose: v.verbose ?? false,
  };
}

/**
 * The agentOS provider settings from the environment when the config uses agentOS: a usage error when the key is
 * missing or a variable is malformed; undefined when agentOS is not used. Pure.
 */
export function agentOsEnvFor(config: RepoConfig, env: NodeJS.ProcessEnv): AgentOsEnv | undefined {
  const uses = [config.agent, config.review].some((s) => s.backend === "agentos" && agentConfigured(s));
  if (!uses) return undefined;
  const parsed = AgentOsEnvSchema.safeParse(env);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  if (!parsed.data.ANTHROPIC_API_KEY) {
    throw new UsageError(
      "--agent agentos needs ANTHROPIC_API_KEY in the environment (and ANTHROPIC_BASE_URL for an endpoint other than Anthropic's, FIXBOT_MODEL to pick the model)",
    );
  }
  return parsed.data;
}

/** Reads an issue file's text: JSON {title, body}, or markdown whose first heading line is the title. Pure. */
export function parseIssueText(text: string): { title: string; body: string } {
  const trimmed = text.trim();
  if (!trimmed) throw new UsageError("the issue file is empty");
  if (trimmed.startsWith("{")) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch (error) {
      throw new UsageError(`the issue file is not valid JSON: ${(error as Error).message}`);
    }
    const { title, body } = data as { title?: unknown; body?: unknown };
    if (typeof title !== "string" || !title.trim()) throw new UsageError('the issue JSON needs a non-empty "title" string');
    return { title: title.trim(), body: typeof body === "string" ? body : "" };
  }
  const [first = "", ...rest] = trimmed.split("\n");
  return { title: first.replace(/^#+\s*/, "").trim(), body: rest.join("\n").trim() };
}

/**
 * Directories the CLI shows read-only inside the sandbox: where the programs named by absolute path on its own
 * command line live (`--agent-command /path/to/agent.sh`). Only the CLI does this: the person typing the command
 * chose those programs; a repository's config never widens what the sandbox sees. Pure.
 */
export function commandDirs(config: RepoConfig): string[] {
  const commands = [config.agent.command, config.review.command, config.testCommand, config.setupCommand];
  const dirs = new Set<string>();
  for (const command of commands) {
    const first = command
      ?.trim()
      .split(/\s+/)[0]
      ?.replace(/^["']|["']$/g, "");
    if (first && isAbsolute(first)) dirs.add(dirname(first));
  }
  return [...dirs];
}
