import type { AgentFactory } from "../steps/deps.js";
import { createCommandAgent } from "./command.js";

/** The default backend: the configured command, run under the command-agent contract (see README). */
export function commandAgentFactory(baseEnv: NodeJS.ProcessEnv = process.env): AgentFactory {
  return (params) =>
    createCommandAgent({
      command: params.command,
      baseEnv,
      passEnv: params.passEnv,
      secrets: params.secrets,
      scratchDir: params.scratchDir,
      onOutput: params.onOutput,
    });
}
