import type { AgentSelection } from "../agents/selection.js";
import type { Agent } from "../agents/types.js";
import type { RepoNetwork } from "../sandbox/egress-policy.js";
import type { FixJob } from "../workflow/types.js";
import type { StepDeps } from "./deps.js";
import { prepareWorkspace } from "./prepare-workspace.js";
import { groupFile, sandboxKey, scratchDir } from "./workspace-path.js";

/**
 * What the agent steps share: the workspace laid out as base + patch, and the agent made for it (its files
 * outside the workspace, its commands in the run's sandbox).
 */
export async function agentInWorkspace(
  deps: StepDeps,
  params: {
    job: FixJob;
    role: "edit" | "review";
    agent: AgentSelection;
    baseSha: string;
    patch: string;
    cloneTimeoutMs: number;
    network?: RepoNetwork;
    onOutput?: (chunk: string) => void;
  },
): Promise<{ agent: Agent; dir: string; gitDir: string }> {
  const { job } = params;
  const groups = groupFile(deps.dataDir, job, params.role === "edit" ? "agent" : "review");
  const { dir, gitDir } = await prepareWorkspace(deps, {
    job,
    baseSha: params.baseSha,
    patch: params.patch,
    timeoutMs: params.cloneTimeoutMs,
    groupFile: groups,
  });
  const agent = deps.createAgent({
    role: params.role,
    agent: params.agent,
    scratchDir: scratchDir(deps.dataDir),
    groupFile: groups,
    secrets: deps.secrets,
    sandboxKey: sandboxKey(job),
    ...(params.network ? { network: params.network } : {}),
    onOutput: params.onOutput,
  });
  return { agent, dir, gitDir };
}
