import type { CliOutputFormat } from "./cli-output/output-usage.js";

/**
 * Ready-made commands for widely used CLI agents. Each is only configuration over the command contract: the
 * agent reads FIXBOT_PROMPT_FILE (the task, plus the failing test output on a retry; for a review, the context
 * and the diff) and edits the working tree, or prints its review. Claude Code and Codex run in their
 * machine-readable modes: fixbot reads their usage (for the budgets) and their final words from what they print.
 */
export interface AgentPreset {
  edit: string;
  review: string;
  /** What the commands print on stdout, when it is machine-readable (src/agents/cli-output). */
  output?: CliOutputFormat;
  /** The variables the agent needs (its API key), passed when the operator allows them in FIXBOT_AGENT_ENV. */
  passEnv: readonly string[];
  docs: string;
}

/**
 * Before `codex exec`: CODEX_HOME is the invocation's files directory (fresh each time, removed afterwards), where
 * fixbot follows Codex's session log for its usage while it runs (cli-output/codex-rollout.ts). Codex ignores
 * OPENAI_BASE_URL; with it set, the preset names it as a Responses-API provider on the command line (an
 * OpenAI-compatible gateway, or a test's mock) that takes its key from OPENAI_API_KEY. Codex's own sandbox is
 * bypassed: it cannot start inside fixbot's (nested namespaces), and fixbot's is the boundary.
 */
const CODEX_SETUP =
  'export CODEX_HOME="$(dirname "$FIXBOT_USAGE_FILE")/codex"; mkdir -p "$CODEX_HOME"; set --; ' +
  'if [ -n "${OPENAI_BASE_URL:-}" ]; then set -- -c model_provider=fixbot -c model_providers.fixbot.name=fixbot ' +
  '-c "model_providers.fixbot.base_url=$OPENAI_BASE_URL" -c model_providers.fixbot.env_key=OPENAI_API_KEY ' +
  "-c model_providers.fixbot.wire_api=responses; fi; ";

export const AGENT_PRESETS = {
  "claude-code": {
    edit: 'claude -p --permission-mode acceptEdits --output-format stream-json --verbose < "$FIXBOT_PROMPT_FILE"',
    review: 'claude -p --output-format stream-json --verbose < "$FIXBOT_PROMPT_FILE"',
    output: "claude-stream-json",
    passEnv: ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"],
    docs: "Claude Code in print mode",
  },
  codex: {
    edit: `${CODEX_SETUP}codex exec --json --dangerously-bypass-approvals-and-sandbox --skip-git-repo-check "$@" - < "$FIXBOT_PROMPT_FILE"`,
    review: `${CODEX_SETUP}codex exec --json --dangerously-bypass-approvals-and-sandbox --skip-git-repo-check "$@" - < "$FIXBOT_PROMPT_FILE"`,
    output: "codex-json",
    passEnv: ["OPENAI_API_KEY", "OPENAI_BASE_URL"],
    docs: "OpenAI Codex CLI, exec mode",
  },
  aider: {
    edit: 'aider --yes-always --no-auto-commits --no-check-update --no-stream --message-file "$FIXBOT_PROMPT_FILE"',
    review: 'aider --chat-mode ask --yes-always --no-auto-commits --no-check-update --no-stream --message-file "$FIXBOT_PROMPT_FILE"',
    passEnv: ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"],
    docs: "Aider with a message file",
  },
} as const satisfies Record<string, AgentPreset>;

export type AgentPresetName = keyof typeof AGENT_PRESETS;
export const AGENT_PRESET_NAMES = Object.keys(AGENT_PRESETS) as AgentPresetName[];

/** The command and variables for an agent section of the config: an explicit command wins over a preset. Pure. */
export function resolveAgent(
  section: { command?: string; preset?: AgentPresetName; passEnv: readonly string[] },
  role: "edit" | "review",
): { command?: string; passEnv: readonly string[]; output?: CliOutputFormat } {
  if (section.command) return { command: section.command, passEnv: section.passEnv };
  if (!section.preset) return { passEnv: section.passEnv };
  const preset: AgentPreset = AGENT_PRESETS[section.preset];
  return {
    command: preset[role],
    passEnv: [...new Set([...preset.passEnv, ...section.passEnv])],
    ...(preset.output ? { output: preset.output } : {}),
  };
}
