import type { AgentSelection } from "../agents/selection.js";
import type { Agent } from "../agents/types.js";
import { killLeftoverGroup } from "../exec/leftover-group.js";
import { prepareWorkspace } from "../git/workspace.js";
import type { FixJob } from "../workflow/types.js";
import type { StepDeps } from "./deps.js";
import { gitAccessFor } from "./git-access.js";
import { groupFile, scratchDir, workspaceDir } from "./workspace-path.js";

/**
 * What the agent steps share: kill whatever an interrupted run of this step left running, rebuild the
 * workspace to base + patch, and make the agent (outside the workspace for its files, the token among the
 * secrets it must never print).
 */
export async function agentInWorkspace(
  deps: StepDeps,
  params: { job: FixJob; role: "edit" | "review"; agent: AgentSelection; baseSha: string; patch: string; cloneTimeoutMs: number; onOutput?: (chunk: string) => void },
): Promise<{ agent: Agent; dir: string }> {
  const { job } = params;
  const dir = workspaceDir(deps.dataDir, job);
  const access = await gitAccessFor(deps, job, params.cloneTimeoutMs);
  const groups = groupFile(deps.dataDir, job, params.role === "edit" ? "agent" : "review");
  await killLeftoverGroup(groups);
  await prepareWorkspace({ ...access, dir, branch: job.repo.defaultBranch, baseSha: params.baseSha, patch: params.patch });
  const agent = deps.createAgent({
    role: params.role,
    agent: params.agent,
    scratchDir: scratchDir(deps.dataDir),
    groupFile: groups,
    secrets: [...deps.secrets, ...(access.token ? [access.token] : [])],
    onOutput: params.onOutput,
  });
  return { agent, dir };
}
