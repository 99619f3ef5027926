import type { Logger } from "pino";
import type { FixJob } from "../workflow/types.js";
import { jobFromLabeledIssue, type LabeledIssuePayload } from "./to-job.js";
import { logIgnored } from "./log-ignored.js";

export interface LabeledHandlerDeps {
  /** Accepts the job into the inbox, which hands it on to the issue's fix-run actor. */
  acceptFix: (job: FixJob) => Promise<void>;
  now: () => number;
  allowedOwners?: readonly string[];
}

/**
 * The `issues.labeled` handler: payload to job, then into the inbox; nothing slow, so the webhook is answered in
 * milliseconds. An accept failure throws, so GitHub records the delivery as failed and it can be redelivered.
 */
export function handleIssueLabeled(deps: LabeledHandlerDeps) {
  return async (context: { id: string; payload: LabeledIssuePayload; log: Logger }): Promise<void> => {
    const decision = jobFromLabeledIssue(context.payload, context.id, deps.now(), deps.allowedOwners);
    if (!decision.ok) return logIgnored(context, "issues.labeled", decision.reason);
    await deps.acceptFix(decision.job);
    context.log.info({ deliveryId: context.id, runId: decision.job.runId, issue: decision.job.issue.number }, "fix job enqueued");
  };
}
