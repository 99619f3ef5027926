import type { Logger } from "pino";
import { enqueueCommands, enqueueFixJobs } from "../actors/enqueue.js";
import { enqueuePrReviews } from "../actors/enqueue-pr-review.js";
import { routeOf } from "../actors/keys.js";
import type { CommandJob } from "../webhooks/comment-to-command.js";
import { GITHUB_WRITES, type GitHubAccess } from "../github/octokit.js";
import { deadLetterReply } from "../inbox/dead-letter-reply.js";
import type { DeadLetter } from "../inbox/dead-letters.js";
import { Inbox, type InboxEntry } from "../inbox/inbox.js";
import type { JournalSync } from "../inbox/inbox-journal.js";
import type { SettleEntries } from "../inbox/settle-batch.js";
import type { PrReviewJob } from "../workflow/review-pr/types.js";
import type { FixJob } from "../workflow/types.js";
import type { Runtime } from "./start-runtime.js";
import type { DeliveryMetrics } from "../metrics/deliveries.js";
import { runsIndexIntake, type RunsIndexIntake } from "../runs/index-client.js";

/** What webhook handlers hand their jobs to. */
export interface Dispatch {
  inbox: Inbox;
  acceptFix: (job: FixJob) => Promise<void>;
  acceptReview: (job: PrReviewJob) => Promise<void>;
  acceptCommand: (job: CommandJob) => Promise<void>;
}

/**
 * Webhook jobs go through the durable inbox (answered once recorded), then to their actor. The inbox is opened
 * here, so deliveries accepted before a crash are handed on at start.
 */
export async function createDispatch(params: {
  runtime: Pick<Runtime, "client">;
  dir: string;
  log: Logger;
  sync?: JournalSync;
  github?: GitHubAccess;
  settle?: SettleEntries;
  deliveries?: DeliveryMetrics;
  /** The runs index's intake side (the intake's runs API reads through the same one); default: on runtime.client. */
  runsIndex?: RunsIndexIntake;
}): Promise<Dispatch> {
  const { runtime } = params;
  const runsIndex = params.runsIndex ?? runsIndexIntake(() => runtime.client);
  // One route = one actor, so a batch is always of one kind.
  const deliver = async (entries: InboxEntry[]): Promise<void> => {
    const kind = entries[0]?.kind;
    const jobs = entries.map((e) => e.job);
    await registerInstallations(runsIndex, jobs, params.log);
    if (kind === "fix") return enqueueFixJobs(runtime.client, jobs as FixJob[]);
    if (kind === "review") return enqueuePrReviews(runtime.client, jobs as PrReviewJob[]);
    if (kind === "command") return enqueueCommands(runtime.client, jobs as CommandJob[]);
    throw new Error(`unknown inbox entry kind "${kind}"`);
  };
  // A delivery given up on (see Inbox): the user who asked is told on the issue or pull request.
  const onDeadLetter = async (letter: DeadLetter): Promise<void> => {
    params.deliveries?.deadLettered(letter.entry.id);
    const reply = deadLetterReply(letter);
    if (!reply || !params.github) return;
    const { octokit } = await params.github.forInstallation(reply.installationId, { repository: reply.repo, permissions: GITHUB_WRITES });
    await octokit.rest.issues.createComment({ owner: reply.owner, repo: reply.repo, issue_number: reply.number, body: reply.body });
  };
  const onHandedOn = params.deliveries
    ? (entries: readonly InboxEntry[]) => params.deliveries!.handedOn(entries.map((e) => e.id))
    : undefined;
  // Deliveries that cannot start or change a run are settled before any actor (src/intake/settle-irrelevant.ts).
  const inbox = new Inbox({
    dir: params.dir,
    deliver,
    routeOf,
    log: params.log,
    sync: params.sync,
    onDeadLetter,
    settle: params.settle,
    onHandedOn,
  });
  await inbox.open();
  const accept = async (kind: string, id: string, job: unknown) => {
    await inbox.accept({ id, kind, job, acceptedAt: Date.now() });
    params.deliveries?.accepted(id);
  };
  return {
    inbox,
    acceptFix: (job) => accept("fix", job.deliveryId ?? job.runId, job),
    acceptReview: (job) => accept("review", job.deliveryId, job),
    acceptCommand: (job) => accept("command", job.deliveryId, job),
  };
}

/**
 * Creates the runs index of each installation a batch is for, once per process, before its jobs reach their
 * actors: the workflows then only look it up (concurrent first creations of one actor failed on the engine).
 * Bounded; a failure is logged and the hand-over goes on (the workflows create it then).
 */
async function registerInstallations(runsIndex: RunsIndexIntake, jobs: unknown[], log: Logger): Promise<void> {
  const ids = new Set(jobs.map((job) => (job as { installationId?: unknown }).installationId).filter((id) => typeof id === "number"));
  for (const id of ids) {
    await runsIndex.register(id).catch((error: unknown) => log.warn({ err: error, installationId: id }, "could not create the runs index"));
  }
}
