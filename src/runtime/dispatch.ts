import type { Logger } from "pino";
import { enqueueCommand, enqueueFixJob } from "../actors/enqueue.js";
import { enqueuePrReview } from "../actors/enqueue-pr-review.js";
import type { CommandJob } from "../webhooks/comment-to-command.js";
import { Inbox, type InboxEntry } from "../webhooks/inbox.js";
import type { PrReviewJob } from "../workflow/review-pr/types.js";
import type { FixJob } from "../workflow/types.js";
import type { Runtime } from "./start-runtime.js";

/** What webhook handlers hand their jobs to. */
export interface Dispatch {
  inbox: Inbox;
  enqueue: (job: FixJob) => Promise<void>;
  enqueueReview: (job: PrReviewJob) => Promise<void>;
  enqueueCommand: (job: CommandJob) => Promise<void>;
}

/**
 * Webhook jobs go through the durable inbox (answered once on disk), then to their actor. The inbox is opened
 * here, so deliveries accepted before a crash are handed on at start.
 */
export async function createDispatch(params: { runtime: Runtime; dir: string; log: Logger }): Promise<Dispatch> {
  const { runtime } = params;
  const deliver = async (entry: InboxEntry): Promise<void> => {
    if (entry.kind === "fix") return enqueueFixJob(runtime.client, entry.job as FixJob);
    if (entry.kind === "review") return enqueuePrReview(runtime.client, entry.job as PrReviewJob);
    if (entry.kind === "command") return enqueueCommand(runtime.client, entry.job as CommandJob);
    throw new Error(`unknown inbox entry kind "${entry.kind}"`);
  };
  const inbox = new Inbox({ dir: params.dir, deliver, log: params.log });
  await inbox.open();
  const accept = (kind: string, id: string, job: unknown) => inbox.accept({ id, kind, job, acceptedAt: Date.now() });
  return {
    inbox,
    enqueue: (job) => accept("fix", job.deliveryId ?? job.runId, job),
    enqueueReview: (job) => accept("review", job.deliveryId, job),
    enqueueCommand: (job) => accept("command", job.deliveryId, job),
  };
}
