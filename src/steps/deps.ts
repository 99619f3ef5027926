import type { Logger } from "pino";
import type { Metrics } from "../metrics/registry.js";
import type { BudgetCeilings } from "../spend/ceilings.js";
import type { SpendLedger } from "../spend/ledger.js";
import type { SpendLimits } from "../spend/windows.js";
import type { RunSlots } from "../limits/run-slots.js";
import type { AgentSelection } from "../agents/selection.js";
import type { Agent } from "../agents/types.js";
import type { GitHubAccess } from "../github/octokit.js";
import type { RepoNetwork } from "../sandbox/egress-policy.js";
import type { Sandbox } from "../sandbox/sandbox.js";
import type { RunsIndexWriter } from "../runs/index-client.js";
import type { RunView } from "../workflow/types.js";
import type { FixJob } from "../workflow/types.js";

/** How an agent is made from the repo config: a command or agentOS (see agents/factory.ts); tests may inject others. */
export type AgentFactory = (params: {
  role: "edit" | "review";
  /** The backend and its settings, resolved from the repo config. */
  agent: AgentSelection;
  scratchDir: string;
  secrets: readonly string[];
  /** Where the agent's process group is recorded, so a resumed step can kill what a crash left running. */
  groupFile?: string;
  /** The workspace's identity for the sandbox (one uid per run). */
  sandboxKey: string;
  /** The repository's narrowing of the sandbox's network. */
  network?: RepoNetwork;
  onOutput?: (chunk: string) => void;
}) => Agent;

/** Everything the steps touch outside themselves. Built once per process and passed in; tests swap parts. */
export interface StepDeps {
  /** Root of fixbot's data: workspaces/ and scratch/ live here (engine data too, in the embedded case). */
  dataDir: string;
  /** GitHub access; absent for local CLI runs, whose jobs never reach GitHub steps. */
  github?: GitHubAccess;
  createAgent: AgentFactory;
  /** Where repository code runs: agents' commands, setup and test commands, and the measuring of a change. */
  sandbox: Sandbox;
  /** Process-level secrets (webhook secret, private key, agent API keys) to redact from every output. */
  secrets: readonly string[];
  log: Logger;
  now: () => number;
  /** The operator's limits on concurrent runs and VMs (FIXBOT_MAX_CONCURRENT_*); unset: no limits (CLI, tests). */
  slots?: RunSlots;
  /** Shows progress for a local run (the CLI prints it); GitHub runs edit the tracking comment instead. */
  onLocalProgress?: (job: FixJob, view: RunView) => void;
  /** This process's metrics (src/metrics); unset: nothing is counted (CLI). */
  metrics?: Metrics;
  /** The operator's ceilings and spend windows (src/spend); unset: none. startRuntime adds the actor ledger. */
  spend?: { ceilings: BudgetCeilings; limits: SpendLimits; ledger?: SpendLedger };
  /** Where runs report their progress for the runs page and API (src/runs); startRuntime adds the actor one. */
  runsIndex?: RunsIndexWriter;
}
