import type { AgentFactory } from "../steps/deps.js";
import { createAgentOsAgent, type AgentOsProvider } from "./agentos/agent.js";
import type { AgentVmLauncher } from "./agentos/vm.js";
import type { TokenPrices } from "./cli-output/codex-events.js";
import { parseCodexPrices } from "./cli-output/codex-prices.js";
import { createCommandAgent } from "./command.js";
import type { Sandbox } from "../sandbox/sandbox.js";

export interface AgentFactoryOptions {
  /** Environment the command backend's allowlist is read from; defaults to process.env. */
  baseEnv?: NodeJS.ProcessEnv;
  /**
   * The operator's list (FIXBOT_AGENT_ENV): a repo config can only ask for variables on it, so a repository
   * cannot read arbitrary secrets of the bot's process. Undefined allows all (the local CLI).
   */
  allowedPassEnv?: readonly string[];
  /** The model provider for the agentOS backend (the bot's or the CLI's environment). */
  agentos?: AgentOsProvider;
  /** The VMs for agentOS; defaults to real ones (tests wrap them). */
  agentosLauncher?: AgentVmLauncher;
  /** Where command agents run. */
  sandbox: Sandbox;
  /** Prices for Codex; default: FIXBOT_CODEX_PRICES of baseEnv (unset: Codex's cost is not computed). */
  codexPrices?: TokenPrices;
}

/** Builds the agent the repo config selected: a command under the command-agent contract, or pi in agentOS. */
export function createAgentFactory(options: AgentFactoryOptions): AgentFactory {
  // Read once, when the bot or the CLI starts: a bad value stops it there, naming the variable.
  const codexPrices = options.codexPrices ?? parseCodexPrices((options.baseEnv ?? process.env).FIXBOT_CODEX_PRICES);
  return (params) => {
    const selected = params.agent;
    if (selected.backend === "agentos") {
      return createAgentOsAgent({
        provider: options.agentos ?? {},
        model: selected.model,
        scratchDir: params.scratchDir,
        secrets: params.secrets,
        onOutput: params.onOutput,
        ...(options.agentosLauncher ? { launcher: options.agentosLauncher } : {}),
      });
    }
    const allowed = options.allowedPassEnv;
    return createCommandAgent({
      command: selected.command,
      baseEnv: options.baseEnv ?? process.env,
      passEnv: allowed ? selected.passEnv.filter((name) => allowed.includes(name)) : selected.passEnv,
      secrets: params.secrets,
      scratchDir: params.scratchDir,
      groupFile: params.groupFile,
      onOutput: params.onOutput,
      sandbox: options.sandbox,
      sandboxKey: params.sandboxKey,
      ...(params.network ? { network: params.network } : {}),
      ...(selected.output ? { output: selected.output } : {}),
      ...(codexPrices ? { codexPrices } : {}),
    });
  };
}
