import type { CliOutputFormat } from "./cli-output/output-usage.js";
import { resolveAgent, type AgentPresetName } from "./presets.js";

export const AGENT_BACKENDS = ["command", "agentos"] as const;
export type AgentBackend = (typeof AGENT_BACKENDS)[number];

/** An `agent` or `review` section of the repo config, as the schema leaves it. */
export interface AgentSection {
  backend?: AgentBackend;
  command?: string;
  preset?: AgentPresetName;
  passEnv: readonly string[];
  model?: string;
}

/** Which agent runs a role, resolved from config: what the agent factory builds. */
export type AgentSelection =
  { backend: "command"; command: string; passEnv: readonly string[]; output?: CliOutputFormat } | { backend: "agentos"; model?: string };

/** The agent a section configures for `role`, or undefined when it configures none. Pure. */
export function selectAgent(section: AgentSection, role: "edit" | "review"): AgentSelection | undefined {
  if (section.backend === "agentos") return { backend: "agentos", ...(section.model ? { model: section.model } : {}) };
  const { command, passEnv, output } = resolveAgent(section, role);
  return command ? { backend: "command", command, passEnv, ...(output ? { output } : {}) } : undefined;
}

/** True when the section configures an agent (a command, a preset or agentOS). Pure. */
export function agentConfigured(section: AgentSection): boolean {
  return selectAgent(section, "review") !== undefined;
}

/** A setting that contradicts the chosen backend, named by field, or undefined. Pure (used by the config schema). */
export function agentSectionProblem(
  section: Omit<AgentSection, "passEnv"> & { passEnv?: readonly string[] },
): { field: string; message: string } | undefined {
  if (section.backend === "agentos") {
    if (section.command)
      return { field: "command", message: "`command` is for the command backend: remove it, or remove `backend: agentos`" };
    if (section.preset) return { field: "preset", message: "`preset` is for the command backend: remove it, or remove `backend: agentos`" };
    if (section.passEnv?.length)
      return {
        field: "passEnv",
        message: "`passEnv` does not apply to `backend: agentos`: pi gets only the model key, from the bot's ANTHROPIC_API_KEY",
      };
    return undefined;
  }
  if (section.model)
    return { field: "model", message: "`model` applies to `backend: agentos` only (a command agent picks its model in its command)" };
  return undefined;
}
