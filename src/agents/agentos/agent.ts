import { redact } from "../../util/redact.js";
import { AgentError, type Agent, type EditResult, type ReviewResult } from "../types.js";
import { agentOsLauncher } from "./agentos-launcher.js";
import { piKnownModels } from "./load-agentos.js";
import { editPrompt, reviewPrompt } from "./prompt-text.js";
import { runAgentSession, type SessionRunParams } from "./run-session.js";
import type { AgentVmLauncher } from "./vm.js";

/** Anthropic's API, when no base URL is configured. */
export const DEFAULT_ANTHROPIC_BASE_URL = "https://api.anthropic.com";
/** How much of the end of the agent's last message becomes the edit summary. */
const SUMMARY_CHARS = 2000;

/** The model provider, from the operator's environment (never from a repository). */
export interface AgentOsProvider {
  apiKey?: string;
  baseUrl?: string;
  /** The default model; a repo config's `model` wins. Unset: pi's own default. */
  model?: string;
}

export interface AgentOsAgentParams {
  provider: AgentOsProvider;
  /** The model for this agent (repo config); falls back to the provider's. */
  model?: string;
  scratchDir: string;
  secrets: readonly string[];
  onOutput?: (chunk: string) => void;
  /** Defaults to real agentOS VMs. */
  launcher?: AgentVmLauncher;
  knownModels?: () => Promise<readonly string[]>;
}

function tail(text: string, chars: number): string {
  return text.length <= chars
    ? text
    : text
        .slice(-chars)
        .replace(/^[\uDC00-\uDFFF]/, "")
        .trimStart();
}

/**
 * The agentOS backend: pi in an agentOS VM, one VM and one session per edit or review (see run-session.ts). pi
 * edits the mounted workspace; fixbot runs git and the tests on the host. Provider errors throw AgentError with
 * the provider's text; a used-up budget or the timeout is reported in the result.
 */
export function createAgentOsAgent(params: AgentOsAgentParams): Agent {
  const secrets = [...params.secrets, ...(params.provider.apiKey ? [params.provider.apiKey] : [])];

  async function session(p: Pick<SessionRunParams, "workspace" | "prompt" | "budget" | "timeoutMs" | "signal">) {
    const apiKey = params.provider.apiKey;
    if (!apiKey) {
      throw new AgentError(
        "The agentOS backend needs a model API key: set ANTHROPIC_API_KEY in fixbot's environment (and ANTHROPIC_BASE_URL for a gateway other than Anthropic's).",
      );
    }
    const result = await runAgentSession({
      ...p,
      launcher: params.launcher ?? agentOsLauncher(),
      scratchDir: params.scratchDir,
      provider: { apiKey, baseUrl: params.provider.baseUrl || DEFAULT_ANTHROPIC_BASE_URL },
      model: params.model || params.provider.model || undefined,
      knownModels: params.knownModels ?? piKnownModels,
      secrets,
      onOutput: params.onOutput,
    });
    if (result.outcome.kind === "error") throw new AgentError(redact(result.outcome.message, secrets));
    return { ...result.outcome, text: redact(result.outcome.text, secrets), usage: result.usage };
  }

  return {
    kind: "agentos",
    async edit(task): Promise<EditResult> {
      const r = await session({
        workspace: task.workspace,
        prompt: editPrompt(task),
        budget: task.budget,
        timeoutMs: task.timeoutMs,
        signal: task.signal,
      });
      return {
        summary: tail(r.text, SUMMARY_CHARS),
        exitCode: 0,
        timedOut: r.timedOut,
        usage: r.usage,
        ...(r.stoppedBy ? { stoppedBy: r.stoppedBy } : {}),
      };
    },
    async review(task): Promise<ReviewResult> {
      const r = await session({ workspace: task.workspace, prompt: reviewPrompt(task), timeoutMs: task.timeoutMs, signal: task.signal });
      return { body: r.text, exitCode: 0, timedOut: r.timedOut, usage: r.usage };
    },
  };
}
