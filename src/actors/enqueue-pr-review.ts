import type { Client } from "rivetkit/client";
import type { PrReviewJob } from "../workflow/review-pr/types.js";
import type { FixbotRegistry } from "./index.js";
import { prReviewKey } from "./keys.js";

/**
 * Puts a review job on its pull request's actor queue (the actor is created on first use) and starts its
 * wake-up alarm, so the review runs to the end even if this process dies right after answering the webhook.
 */
export async function enqueuePrReview(client: Client<FixbotRegistry>, job: PrReviewJob): Promise<void> {
  await enqueuePrReviews(client, [job]);
}

/** Review jobs for ONE pull request's actor, in order; the alarm tracks each delivery, so it is armed per job. */
export async function enqueuePrReviews(client: Client<FixbotRegistry>, jobs: readonly PrReviewJob[]): Promise<void> {
  const first = jobs[0];
  if (!first) return;
  const handle = client.prReview.getOrCreate(prReviewKey(first));
  for (const job of jobs) {
    await handle.send("jobs", job);
    await handle.keepAwake(job.deliveryId);
  }
}
