/**
 * Ready-made commands for widely used CLI agents. Each is only configuration over the command contract: the
 * agent reads FIXBOT_PROMPT_FILE (the task, plus the failing test output on a retry; for a review, the context
 * and the diff) and edits the working tree, or prints its review.
 */
export interface AgentPreset {
  edit: string;
  review: string;
  /** The variables the agent needs (its API key), passed when the operator allows them in FIXBOT_AGENT_ENV. */
  passEnv: readonly string[];
  docs: string;
}

export const AGENT_PRESETS = {
  "claude-code": {
    edit: 'claude -p --permission-mode acceptEdits --output-format text < "$FIXBOT_PROMPT_FILE"',
    review: 'claude -p --output-format text < "$FIXBOT_PROMPT_FILE"',
    passEnv: ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"],
    docs: "Claude Code in print mode",
  },
  codex: {
    edit: 'codex exec --full-auto --skip-git-repo-check "$(cat "$FIXBOT_PROMPT_FILE")"',
    review: 'codex exec --sandbox read-only --skip-git-repo-check "$(cat "$FIXBOT_PROMPT_FILE")"',
    passEnv: ["OPENAI_API_KEY"],
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
export function resolveAgent(section: { command?: string; preset?: AgentPresetName; passEnv: readonly string[] }, role: "edit" | "review"): { command?: string; passEnv: readonly string[] } {
  if (section.command) return { command: section.command, passEnv: section.passEnv };
  if (!section.preset) return { passEnv: section.passEnv };
  const preset = AGENT_PRESETS[section.preset];
  return { command: preset[role], passEnv: [...new Set([...preset.passEnv, ...section.passEnv])] };
}
