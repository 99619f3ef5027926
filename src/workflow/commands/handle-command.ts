import { answerQuestion } from "../../steps/commands/answer-question.js";
import { acknowledge, checkWriteAccess, getPullRequest, reply } from "../../steps/commands/command-steps.js";
import type { StepDeps } from "../../steps/deps.js";
import type { CommandJob } from "../../webhooks/comment-to-command.js";
import type { FlowContext, StepContext } from "../flow-context.js";
import type { PrReviewJob } from "../review-pr/types.js";
import { GITHUB_CALL } from "../step-policies.js";
import { runStep } from "../step-runner.js";
import type { FixJob, RunRecord } from "../types.js";
import { fixJobForIssue, fixJobForPullRequest, retryJob, reviewJobForPullRequest } from "./jobs-from-command.js";
import { DENIED_PREFIX } from "./denials.js";
import { cancelReply, deniedText, forkFixRefusal, helpReply, planRetry, retryReply, reviewOnIssueReply, statusText } from "./replies.js";
import { answerReply } from "./ask-text.js";

/**
 * What a command asks of other actors: the issue's fix-run actor and the review actor. Bound to the actor client
 * by the commands actor (src/actors/commands.ts), so this workflow does not import the actors.
 */
export interface ActorCalls {
  getRuns(): Promise<RunRecord[]>;
  /** Cancels the issue's open run; its id, or null when nothing runs. */
  cancel(by: string): Promise<string | null>;
  enqueueFix(job: FixJob): Promise<void>;
  enqueueReview(job: PrReviewJob): Promise<void>;
}

/** A call to another actor on the same engine. */
const ACTOR_CALL = { timeout: 60_000, maxRetries: 3 };
/** An answer: clone plus the review agent (timeouts.review is at most an hour), plus a day of waiting for a run slot. */
const ASK = { timeoutMs: 2 * 3_600_000 + 24 * 3_600_000, maxRetries: 1 };

/**
 * One slash command: acknowledge, check the commenter's access, then act. It only orders named steps; the
 * long work (a fix, a review) is enqueued on its own actor, so `status` and `cancel` answer at once even while
 * a run is in progress. Returns a one-line outcome for the log.
 */
export async function handleCommand(
  ctx: FlowContext,
  deps: StepDeps,
  job: CommandJob,
  callsFor: (sc: StepContext<unknown>) => ActorCalls,
): Promise<string> {
  const github = <T>(name: string, work: () => Promise<T>) => runStep(ctx, name, GITHUB_CALL, work);
  // A call to another actor needs the step's own client.
  const actor = <T>(name: string, call: (calls: ActorCalls) => Promise<T>) =>
    ctx.step({ name, ...ACTOR_CALL, run: (sc) => call(callsFor(sc)) });
  const say = (name: string, text: string) => github(name, () => reply(deps, job, text));
  // Best effort: a missing reaction must not stop the command.
  await github("acknowledge", () =>
    acknowledge(deps, job).catch((error: unknown) =>
      deps.log.warn({ deliveryId: job.deliveryId, err: error }, "could not add the reaction"),
    ),
  );
  const access = await github("check-access", () => checkWriteAccess(deps, job));
  if (!access.allowed) {
    await say("reply-denied", deniedText({ sender: job.sender, role: access.role, word: job.word }));
    return `${DENIED_PREFIX} @${job.sender} has ${access.role} access`;
  }
  if (job.parsed.kind === "invalid") {
    await say("reply-help", helpReply({ word: job.word, reason: job.parsed.reason }));
    return `invalid: ${job.parsed.reason}`;
  }
  const command = job.parsed.command;
  const readRuns = () => actor("read-runs", (calls) => calls.getRuns());
  switch (command.name) {
    case "help":
      await say("reply-help", helpReply({ word: job.word }));
      return "help";
    case "status":
      await say("reply-status", statusText(await readRuns(), job.receivedAt));
      return "status";
    case "cancel": {
      const cancelled = await actor("cancel-run", (calls) => calls.cancel(job.sender));
      await say("reply-cancel", cancelReply(cancelled, job.word));
      return cancelled ? `cancelled ${cancelled}` : "nothing to cancel";
    }
    case "fix": {
      if (!job.isPullRequest) {
        await actor("enqueue-fix", (calls) => calls.enqueueFix(fixJobForIssue(job, command.instructions)));
        return "fix enqueued";
      }
      const pr = await github("get-pull-request", () => getPullRequest(deps, job));
      if (pr.fork) {
        await say("reply-fork", forkFixRefusal(pr.headRepoFullName));
        return "refused: fork";
      }
      await actor("enqueue-fix", (calls) => calls.enqueueFix(fixJobForPullRequest(job, pr, command.instructions)));
      return "fix on the pull request branch enqueued";
    }
    case "review": {
      if (!job.isPullRequest) {
        await say("reply-review", reviewOnIssueReply(job.word));
        return "refused: not a pull request";
      }
      const pr = await github("get-pull-request", () => getPullRequest(deps, job));
      await actor("enqueue-review", (calls) => calls.enqueueReview(reviewJobForPullRequest(job, pr)));
      return "review enqueued";
    }
    case "ask": {
      // Read-only: the agent's changes are never measured, committed or pushed; its stdout is the reply.
      const outcome = await runStep(ctx, "answer-question", ASK, (signal) => answerQuestion(deps, job, command.question, signal));
      if (outcome.kind === "refused") {
        await say("reply-answer", outcome.reason);
        return `ask refused: ${outcome.reason}`;
      }
      await say("reply-answer", answerReply({ asker: job.sender, ...outcome }));
      return "answered";
    }
    case "retry": {
      const plan = planRetry(await readRuns(), job.word);
      if (plan.kind === "refuse") {
        await say("reply-retry", `Nothing to retry: ${plan.reason}`);
        return `retry refused: ${plan.reason}`;
      }
      const resume = plan.kind === "resume";
      await actor("enqueue-retry", (calls) => calls.enqueueFix(retryJob(job, plan.run, resume)));
      await say("reply-retry", retryReply(plan));
      return resume ? `retry of ${plan.run.runId}` : `new run after ${plan.run.runId}`;
    }
  }
}
