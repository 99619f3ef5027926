/**
 * The one interface every agent backend implements. Both the fixing agent and the reviewing agent use it, so a
 * backend (a CLI command, an agentOS VM, a scripted patch) is chosen by configuration alone.
 */

import type { BudgetName, Usage, UsageBudget } from "./usage.js";

/** What the fixing agent is asked to do on one attempt. */
export interface EditTask {
  /** Absolute path of the git working tree the agent edits. */
  workspace: string;
  /** The task text: issue title, body and the configured instructions. */
  task: string;
  /** 1-based attempt number. */
  attempt: number;
  /** Failing test output from the previous attempt (redacted, tail only); undefined on the first attempt. */
  feedback?: string;
  /** Hard wall-clock limit for this attempt; the backend kills its work when it is reached. */
  timeoutMs: number;
  /** Aborted when the run is cancelled or the step times out; the backend must stop its work. */
  signal?: AbortSignal;
  /** What is left of the run's budgets; a backend that reports usage stops the agent when one is used up. */
  budget?: UsageBudget;
}

/** What an edit attempt reports. Files changed are measured by the caller from git, not trusted from here. */
export interface EditResult {
  /** A short human summary of what the agent did (the tail of its output for a CLI agent). */
  summary: string;
  /** Exit status for process backends; 0 when the backend has none. */
  exitCode: number;
  /** True when the attempt was stopped by its timeout. */
  timedOut: boolean;
  /** What the agent reported using (backends that report usage). */
  usage?: Usage;
  /** Set when fixbot stopped the agent because this budget was used up. */
  stoppedBy?: BudgetName;
}

/** What the reviewing agent is asked to do: chained on the fixing agent's result. */
export interface ReviewTask {
  workspace: string;
  /** Unified diff of the change under review. */
  diff: string;
  /** Context for the reviewer: the issue, the fixing agent's summary and the test result. */
  context: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ReviewResult {
  /** The review text (markdown) to publish. */
  body: string;
  exitCode: number;
  timedOut: boolean;
  /** What the review agent reported using (backends that report usage), as for an edit. */
  usage?: Usage;
}

export interface Agent {
  /** Backend name for logs and the tracking comment, e.g. "command" or "scripted". */
  readonly kind: string;
  edit(task: EditTask): Promise<EditResult>;
  review(task: ReviewTask): Promise<ReviewResult>;
}

/** Thrown when an agent cannot run at all (bad command, provider error). Its message reaches the user. */
export class AgentError extends Error {
  override name = "AgentError";
}
