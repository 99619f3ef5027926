import type { Usage } from "../../agents/usage.js";
import type { FailOn } from "../../github/check-run.js";
import type { SkippedFile } from "../../diff/diff-chunks.js";
import type { Finding } from "../../github/review-findings.js";
import type { RepoRef, StepView } from "../types.js";

/** The `pull_request` actions that start a review. */
export const REVIEW_ACTIONS = ["opened", "reopened", "ready_for_review", "synchronize"] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

/**
 * A request to review one pull request head. It travels through the PR actor's queue, so it is plain JSON copied
 * from the webhook payload: the workflow never re-reads the payload.
 */
export interface PrReviewJob {
  kind: "review-pr";
  /** The webhook delivery id: dedupes redeliveries and names the run. */
  runId: string;
  deliveryId: string;
  action: ReviewAction;
  /** Set by `/fixbot review`: a fresh review of the whole pull request, even of a head reviewed before. */
  requestedBy?: string;
  receivedAt: number;
  /** The base repository (the one fixbot is installed on): what is cloned, and where the review is posted. */
  repo: RepoRef;
  installationId: number;
  pr: {
    number: number;
    title: string;
    body: string;
    author: string;
    baseRef: string;
    headRef: string;
    headSha: string;
    /** `owner/name` of the head repository; differs from the base for a fork (null head repo: a deleted fork). */
    headRepoFullName: string | null;
    /** True when the head lives in another repository: its code is never run, the review works from the diff. */
    fork: boolean;
    /** GitHub's author_association of the PR's author (FIRST_TIME_CONTRIBUTOR, MEMBER, ...): the fork policy reads it. */
    authorAssociation?: string;
  };
}

/** Which commits a review covers: the whole pull request, or only what was pushed since the last review. */
export interface ReviewRange {
  mode: "full" | "incremental";
  /** Merge base (full) or the last reviewed head (incremental). */
  from: string;
  to: string;
  /** Why a synchronize fell back to a full review (force-push, nothing reviewed before). */
  note?: string;
}

/** What the check step decided; only "run" goes on to clone and review. */
export type PullRequestCheck =
  | {
      kind: "run";
      /** The settings the later steps need (recorded, so a resumed run does not re-read the config). */
      settings: ReviewSettings;
    }
  | { kind: "skipped"; reason: string }
  | { kind: "invalid-config"; problems: string[] };

export interface ReviewSettings {
  /** The review command ("" when the reviewer is agentOS). */
  reviewCommand: string;
  passEnv: string[];
  /** Set when the reviewer is pi in an agentOS VM (absent in settings recorded before agentOS existed). */
  agentos?: { model?: string };
  cloneTimeoutMs: number;
  reviewTimeoutMs: number;
  ignorePaths: string[];
  maxChunkBytes: number;
  maxChunks: number;
  /** `pullRequests.failOn` (absent in settings recorded before check runs existed: `never`). */
  failOn?: FailOn;
}

/** The diff step's result: plain data (paths, not patches), so the history stays small; chunk steps rebuild the diff. */
export type ReviewPlan =
  | { kind: "review"; range: ReviewRange; chunks: string[][]; skipped: SkippedFile[]; files: number }
  | { kind: "already-reviewed"; reviewId: number; url: string }
  | { kind: "nothing"; range: ReviewRange; reason: string }
  | { kind: "superseded"; reason: string };

/** One chunk's review: the agent's summary and its findings, split by where GitHub can show them. */
export interface ChunkReview {
  summary: string;
  inline: Finding[];
  outside: Finding[];
  exitCode: number;
  timedOut: boolean;
  /** What the review agent reported using on this chunk (absent: nothing reported, or recorded before usage was). */
  usage?: Usage;
}

export type PrReviewStatus =
  "running" | "reviewed" | "already-reviewed" | "nothing-to-review" | "skipped" | "superseded" | "invalid-config" | "error";

/** One run as the actor keeps it (and `getReviews` returns it). */
export interface PrReviewRun {
  runId: string;
  action: ReviewAction;
  /** Set by `/fixbot review`: a fresh review of the whole pull request, even of a head reviewed before. */
  requestedBy?: string;
  headSha: string;
  status: PrReviewStatus;
  startedAt: number;
  finishedAt?: number;
  range?: ReviewRange;
  chunks?: number;
  reviewId?: number;
  reviewUrl?: string;
  inlineComments?: number;
  /** What the review agent reported using, all chunks together (absent: nothing reported). */
  usage?: Usage;
  reason?: string;
  error?: string;
  /** The check run opened `in_progress` before the review agent ran, and the failOn that concludes a failure. */
  check?: { checkRunId: number; failOn: FailOn };
  /** Set by the last step of the job: nothing more happens in this run. */
  closed?: boolean;
  /** The steps so far, as the runs index shows them (absent in runs recorded before it). */
  steps?: StepView[];
}

/** The PR actor's state. Plain JSON, persisted by the engine with each step. */
export interface PrReviewState {
  runs: PrReviewRun[];
  seenDeliveries: string[];
  /** The head sha the last posted (or found) review covered: a synchronize reviews from here. */
  lastReviewedSha: string | null;
  /**
   * Delivery ids enqueued (reported by keepAwake) and not yet taken by the workflow. Tracked by id, not by time:
   * keepAwake often lands after the job was already taken, and a clock comparison would then keep the alarm
   * ticking for nothing (many ticking actors slow the engine down to route timeouts).
   */
  awaiting: string[];
  /** Wake-up alarm bookkeeping (see actors/wake.ts): tick while a job waits (until then) or a run is open. */
  wakeUntil: number;
  nextTickAt: number;
}

export function initialPrReviewState(): PrReviewState {
  return { runs: [], seenDeliveries: [], lastReviewedSha: null, awaiting: [], wakeUntil: 0, nextTickAt: 0 };
}
