import type { RepoConfig } from "../config/repo.schema.js";
import { captureChange } from "../git/workspace.js";
import { selectAgent } from "../agents/selection.js";
import { AgentError } from "../agents/types.js";
import type { UsageBudget } from "../agents/usage.js";
import type { AgentAttemptResult, FixJob } from "../workflow/types.js";

export type { AgentAttemptResult } from "../workflow/types.js";
import { agentInWorkspace } from "./agent-workspace.js";
import type { StepDeps } from "./deps.js";

/** Patches above this are refused: they would bloat the workflow history and no reviewer reads them. */
export const MAX_PATCH_BYTES = 2 * 1024 * 1024;


/**
 * One agent attempt. The workspace is first rebuilt to base + the previous attempt's patch, so the attempt
 * continues from where the last one left off even in a fresh process; then the agent edits, and the result
 * is measured from git, not from what the agent says.
 */
export async function runAgent(
  deps: StepDeps,
  params: { job: FixJob; config: RepoConfig; baseSha: string; attempt: number; previousPatch: string; task: string; feedback?: string; signal?: AbortSignal; budget?: UsageBudget; timeoutMs?: number },
): Promise<AgentAttemptResult> {
  const { job, config } = params;
  const selected = selectAgent(config.agent, "edit");
  if (!selected) {
    throw new AgentError("No agent is configured: set `agent.command`, `agent.preset` or `agent.backend: agentos` in .github/fixbot.yml (or pass --agent-command / --agent).");
  }
  const timeoutMs = params.timeoutMs ?? config.timeouts.agent * 1000;
  const { agent, dir } = await agentInWorkspace(deps, {
    job,
    role: "edit",
    agent: selected,
    baseSha: params.baseSha,
    patch: params.previousPatch,
    cloneTimeoutMs: config.timeouts.clone * 1000,
    onOutput: (chunk) => deps.log.debug({ runId: job.runId, attempt: params.attempt, agent: chunk }, "agent output"),
  });
  const result = await agent.edit({
    workspace: dir,
    task: params.task,
    attempt: params.attempt,
    feedback: params.feedback,
    timeoutMs,
    signal: params.signal,
    budget: params.budget,
  });
  const change = await captureChange({ dir, baseSha: params.baseSha, timeoutMs: 60_000 });
  if (Buffer.byteLength(change.patch) > MAX_PATCH_BYTES) {
    throw new AgentError(`The agent's change is ${Math.round(Buffer.byteLength(change.patch) / 1024)} KiB, over the ${MAX_PATCH_BYTES / 1024} KiB limit: it probably committed generated files. Add them to .gitignore.`);
  }
  return {
    attempt: params.attempt,
    patch: change.patch,
    files: change.files,
    insertions: change.insertions,
    deletions: change.deletions,
    summary: result.summary,
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    ...(result.usage ? { usage: result.usage } : {}),
    ...(result.stoppedBy ? { stoppedBy: result.stoppedBy } : {}),
  };
}
