import type { Probot } from "probot";
import { jobFromLabeledIssue } from "./webhooks/to-job.js";
import type { FixJob } from "./workflow/types.js";

export interface AppDeps {
  enqueue: (job: FixJob) => Promise<void>;
  now: () => number;
}

/**
 * The Probot app: wires events to handlers. Handlers only turn a payload into a job and enqueue it; every
 * slow or fallible thing happens in the workflow. An enqueue failure throws, so GitHub records the delivery as
 * failed and it can be redelivered.
 */
export function createApp(deps: AppDeps) {
  return (app: Probot): void => {
    app.on("issues.labeled", async (context) => {
      const decision = jobFromLabeledIssue(context.payload, context.id, deps.now());
      if (!decision.ok) {
        context.log.debug({ deliveryId: context.id, reason: decision.reason }, "issues.labeled ignored");
        return;
      }
      await deps.enqueue(decision.job);
      context.log.info({ deliveryId: context.id, runId: decision.job.runId, issue: decision.job.issue.number }, "fix job enqueued");
    });
  };
}
