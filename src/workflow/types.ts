import type { BudgetName, Usage } from "../agents/usage.js";
import type { RepoConfig } from "../config/repo.schema.js";
import type { ReviewThread } from "./threads/thread-text.js";

/** The repository a job works on: plain data copied from the webhook payload (or the CLI arguments). */
export interface RepoRef {
  owner: string;
  name: string;
  /** What git clones: `repository.clone_url` from the payload, or a local path / URL for the CLI. */
  cloneUrl: string;
  defaultBranch: string;
}

/**
 * A request to fix one issue. It travels through the actor's queue, so it is plain JSON.
 * `source: "github"` runs push, pull request and publishing steps; `"local"` (the CLI) stops at a local branch.
 */
export interface FixJob {
  kind: "fix-issue";
  /** Unique per request: the webhook delivery id, or a CLI-generated id. Names the tracking comment marker. */
  runId: string;
  deliveryId?: string;
  source: "github" | "local";
  /** Login of whoever asked (label author); the CLI uses the local user name. */
  requestedBy: string;
  /** Milliseconds since epoch when the request was received; also the commit date, so commits are reproducible. */
  receivedAt: number;
  repo: RepoRef;
  installationId?: number;
  issue: { number: number; title: string; body: string };
  /** The label that triggered the job (GitHub only); checked against the repo's configured label. */
  label?: string;
  /** The branch the result is committed to. */
  branch: string;
  /** A fix on a pull request's own branch (`/fixbot fix` on a PR): commits go there; no new PR is opened. */
  target?: { kind: "pull-request"; number: number; url: string };
  /** Extra instructions from a `/fixbot fix <instructions>` comment. */
  instructions?: string;
  /** Review threads the fix addresses (a `/fixbot fix` in a thread, or the PR's unresolved ones): replied to after the push. */
  threads?: ReviewThread[];
  /** `/fixbot retry`: the run whose recorded steps this one continues from. */
  retryOf?: string;
  /** Identifies the request independent of delivery (CLI: hash of repo, issue file and options). */
  requestKey?: string;
  /** Settings that replace the repo config entirely (CLI flags); GitHub jobs read `.github/fixbot.yml`. */
  configOverride?: Partial<RepoConfig>;
}

export type RunStatus = "queued" | "running" | "fixed" | "tests-failing" | "no-change" | "error" | "cancelled" | "ignored";

export type StepStatus = "pending" | "running" | "done" | "failed" | "skipped";

/** One line of the tracking comment's checklist. */
export interface StepView {
  /** Stable step name, e.g. `run-agent#2`. */
  name: string;
  status: StepStatus;
  /**
   * How many times this step has started in one process: a retry after an error adds one. A restart after a
   * crash is not counted here (state written inside an unfinished step is not kept); the tracking comment's
   * history shows it as the step running again.
   */
  starts: number;
  startedAt?: number;
  durationMs?: number;
  /** One short line shown next to the step (e.g. "3 files changed", "exit 1"). */
  detail?: string;
}

/** Everything the tracking comment shows. The comment body is a pure function of this. */
export interface RunView {
  runId: string;
  status: RunStatus;
  issueNumber: number;
  requestedBy: string;
  maxAttempts: number;
  attempts: number;
  steps: StepView[];
  startedAt: number;
  finishedAt?: number;
  branch: string;
  pullRequest?: { number: number; url: string; draft: boolean };
  reviewUrl?: string;
  tests?: TestSummary;
  agentSummary?: string;
  /** For status "error": what went wrong and where, and what the user can do. */
  error?: { step?: string; message: string; hint?: string };
  /** For status "cancelled": who cancelled it. */
  cancelledBy?: string;
  /** For status "ignored": why nothing ran (logged, never posted). */
  ignoredReason?: string;
  /** Sha of the fix commit, once committed. */
  commit?: string;
  /** The reviewing agent's text. */
  review?: string;
  /** Why the review of the fix did not run (a used-up spend window): shown instead of the review. */
  reviewSkipped?: string;
}

/** One run as the fix-run actor keeps it: its view, plus what publishing, retries and the CLI need. */
export interface RunRecord extends RunView {
  trackingCommentId?: number;
  /** False until the request is known to be ours: nothing is posted for requests that are ignored. */
  announced?: boolean;
  /** Where the working tree lives on this machine (a cache; the CLI prints it). */
  workspace?: string;
  /** Set once the job's last step ran (after the final comment edit): nothing more will happen in this run. */
  closed?: boolean;
  /** What each finished step produced, so `/fixbot retry` continues from the step that failed. */
  checkpoint?: Checkpoint;
  /** The job that started this run (a retry re-enqueues it). */
  job?: FixJob;
  /** Hash of what was asked (CLI): a rerun of the same command resumes a run with the same request. */
  requestKey?: string;
}

export interface TestSummary {
  passed: boolean;
  command: string;
  exitCode: number | null;
  timedOut: boolean;
  /** The tail of the output, redacted. */
  outputTail: string;
  durationMs: number;
}

/** The result the CLI prints and the actor keeps as the outcome of a run. */
export interface RunOutcome {
  runId: string;
  status: RunStatus;
  branch: string;
  commit?: string;
  workspace?: string;
  attempts: number;
  tests?: TestSummary;
  review?: string;
  pullRequestUrl?: string;
  error?: string;
}

/** What one agent attempt produced, measured with git (the run-agent step's result). Plain JSON. */
export interface AgentAttemptResult {
  attempt: number;
  /** Cumulative diff against the base after this attempt ("" when nothing changed). */
  patch: string;
  files: string[];
  insertions: number;
  deletions: number;
  summary: string;
  exitCode: number;
  timedOut: boolean;
  usage?: Usage;
  stoppedBy?: BudgetName;
}

/** Results of finished steps, recorded with them (see durableStep's `remember`). Plain JSON. */
export interface Checkpoint {
  clone?: { baseSha: string; testCommand?: string };
  /** One entry per finished agent attempt, with its test result once that finished too. */
  attempts: Array<AgentAttemptResult & { tests?: TestSummary }>;
  commit?: string;
  pushed?: boolean;
  pullRequest?: { number: number; url: string; draft: boolean };
  review?: string;
  /** What the review agent reported using on this run's review (absent: none reported, or no review). */
  reviewUsage?: Usage;
}
