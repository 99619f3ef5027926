import type { RepoConfig } from "../config/repo.schema.js";
import { selectAgent } from "../agents/selection.js";
import { AgentError, type EditResult } from "../agents/types.js";
import type { UsageBudget } from "../agents/usage.js";
import type { AgentAttemptResult, FixJob } from "../workflow/types.js";
import { agentInWorkspace } from "./agent-workspace.js";
import type { StepDeps } from "./deps.js";
import { measureChange, type ChangeSummary } from "./measure-change.js";
import { sandboxKey, scratchDir } from "./workspace-path.js";

/**
 * One agent attempt. The workspace is first rebuilt to base + the previous attempt's patch, so the attempt
 * continues from where the last one left off even in a fresh process; then the agent edits, and the result
 * is measured from git, not from what the agent says.
 */
export async function runAgent(
  deps: StepDeps,
  params: {
    job: FixJob;
    config: RepoConfig;
    baseSha: string;
    attempt: number;
    previousPatch: string;
    task: string;
    feedback?: string;
    signal?: AbortSignal;
    budget?: UsageBudget;
    timeoutMs?: number;
  },
): Promise<AgentAttemptResult> {
  const { job, config } = params;
  const selected = selectAgent(config.agent, "edit");
  if (!selected) {
    throw new AgentError(
      "No agent is configured: set `agent.command`, `agent.preset` or `agent.backend: agentos` in .github/fixbot.yml (or pass --agent-command / --agent).",
    );
  }
  const timeoutMs = params.timeoutMs ?? config.timeouts.agent * 1000;
  const { agent, dir, gitDir } = await agentInWorkspace(deps, {
    job,
    role: "edit",
    agent: selected,
    baseSha: params.baseSha,
    patch: params.previousPatch,
    cloneTimeoutMs: config.timeouts.clone * 1000,
    network: config.sandbox,
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
  const change = await measureChange({
    sandbox: deps.sandbox,
    gitDir,
    workspace: dir,
    baseSha: params.baseSha,
    key: sandboxKey(job),
    scratchDir: scratchDir(deps.dataDir),
    timeoutMs: 120_000,
  });
  return attemptResult(params.attempt, change, result);
}

/** The recorded result of an attempt: the change as git measured it, and what the agent reported. Pure. */
function attemptResult(attempt: number, change: ChangeSummary, result: EditResult): AgentAttemptResult {
  return {
    attempt,
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
