/**
 * One run as the runs page, `GET /api/runs` and `fixbot runs` show it: what the runs index stores per run.
 * Written by the workflows' recorded steps (fix, review, ask), read by the intake's HTTP routes and the CLI.
 */
export type RunKind = "fix" | "review" | "ask";
export type RunSummaryStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled" | "skipped";

export interface RunStepSummary {
  name: string;
  status: "pending" | "running" | "done" | "failed" | "skipped" | "reused";
  startedAt?: number;
  durationMs?: number;
  /** How often the step began (a retry or a crash counts). */
  starts: number;
}

export interface RunUsageSummary {
  turns?: number;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
}

export interface RunSummary {
  /** Unique across the installation: the actor's run id. */
  id: string;
  installationId: number;
  /** `owner/name`. */
  repo: string;
  /** The issue or pull request the run is about. */
  number: number;
  kind: RunKind;
  status: RunSummaryStatus;
  requestedBy: string;
  /** Epoch milliseconds. */
  startedAt: number;
  finishedAt?: number;
  attempts: number;
  maxAttempts?: number;
  usage?: RunUsageSummary;
  links: { issue: string; pullRequest?: string; review?: string; trackingComment?: string };
  steps: RunStepSummary[];
  /** The last lines of the test output (redacted, as the tracking comment shows them). */
  testTail?: string;
  agentSummary?: string;
  reviewSummary?: string;
  /** Why the run failed, as the tracking comment says it. */
  error?: string;
  /**
   * Epoch milliseconds of the workflow event this summary was built at: the runs index keeps the newest (a late
   * or repeated write of an older summary changes nothing). Absent: oldest.
   */
  updatedAt?: number;
}

export interface RunsFilter {
  status?: RunSummaryStatus;
  /** `owner/name`. */
  repo?: string;
  /** Only these repositories (the signed-in person's writable ones); undefined: all. */
  repos?: readonly string[];
  limit?: number;
}

/** Where the HTTP routes and the CLI read runs from (the index actors, or a fake in unit tests). */
export interface RunsSource {
  list(filter: RunsFilter): Promise<RunSummary[]>;
  get(id: string): Promise<RunSummary | undefined>;
}
