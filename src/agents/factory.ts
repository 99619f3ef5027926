import type { AgentFactory } from "../steps/deps.js";
import { createCommandAgent } from "./command.js";

/**
 * The default backend: the configured command, run under the command-agent contract (see README).
 * `allowedPassEnv` is the operator's list (FIXBOT_AGENT_ENV): a repo config can only ask for variables on it,
 * so a repository cannot read arbitrary secrets of the bot's process. Undefined allows all (the local CLI).
 */
export function commandAgentFactory(baseEnv: NodeJS.ProcessEnv = process.env, allowedPassEnv?: readonly string[]): AgentFactory {
  return (params) =>
    createCommandAgent({
      command: params.command,
      baseEnv,
      passEnv: allowedPassEnv ? params.passEnv.filter((name) => allowedPassEnv.includes(name)) : params.passEnv,
      secrets: params.secrets,
      scratchDir: params.scratchDir,
      groupFile: params.groupFile,
      onOutput: params.onOutput,
    });
}
