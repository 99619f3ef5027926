import { checkSpendWindows, recordAgentSpend, spendCounted } from "../../steps/agent-spend.js";
import { recordAgentUsage } from "../../metrics/run-metrics.js";
import { answerQuestion } from "../../steps/commands/answer-question.js";
import { acknowledge, checkWriteAccess, getPullRequest, readOpenThreads, readThread, reply } from "../../steps/commands/command-steps.js";
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
import { answerReply, askSpendRefusal } from "./ask-text.js";

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

/** A call to the org's spend actor. */
const SPEND = { timeoutMs: 30_000, maxRetries: 3 };

/** The steps a command is made of: a GitHub call, a call to another actor, a reply on the issue or PR. */
interface CommandSteps {
  github<T>(name: string, work: () => Promise<T>): Promise<T>;
  actor<T>(name: string, call: (calls: ActorCalls) => Promise<T>): Promise<T>;
  say(name: string, text: string): Promise<string>;
}

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
  const s: CommandSteps = {
    github,
    // A call to another actor needs the step's own client.
    actor: (name, call) => ctx.step({ name, ...ACTOR_CALL, run: (sc) => call(callsFor(sc)) }),
    say: (name, text) => github(name, () => reply(deps, job, text)),
  };
  // Best effort: a missing reaction must not stop the command.
  await github("acknowledge", () =>
    acknowledge(deps, job).catch((error: unknown) =>
      deps.log.warn({ deliveryId: job.deliveryId, err: error }, "could not add the reaction"),
    ),
  );
  const access = await github("check-access", () => checkWriteAccess(deps, job));
  if (!access.allowed) {
    await s.say("reply-denied", deniedText({ sender: job.sender, role: access.role, word: job.word }));
    return `${DENIED_PREFIX} @${job.sender} has ${access.role} access`;
  }
  if (job.parsed.kind === "invalid") {
    await s.say("reply-help", helpReply({ word: job.word, reason: job.parsed.reason }));
    return `invalid: ${job.parsed.reason}`;
  }
  const command = job.parsed.command;
  switch (command.name) {
    case "help":
      await s.say("reply-help", helpReply({ word: job.word }));
      return "help";
    case "status":
      await s.say("reply-status", statusText(await s.actor("read-runs", (calls) => calls.getRuns()), job.receivedAt));
      return "status";
    case "cancel": {
      const cancelled = await s.actor("cancel-run", (calls) => calls.cancel(job.sender));
      await s.say("reply-cancel", cancelReply(cancelled, job.word));
      return cancelled ? `cancelled ${cancelled}` : "nothing to cancel";
    }
    case "fix":
      return fixCommand(s, deps, job, command.instructions);
    case "review":
      return reviewCommand(s, deps, job);
    case "ask":
      return askCommand(ctx, s, deps, job, command.question);
    case "retry":
      return retryCommand(s, job);
  }
}

/** `fix`: on an issue, the label flow; on a same-repo pull request, a fix on its branch; a fork's is refused. */
async function fixCommand(s: CommandSteps, deps: StepDeps, job: CommandJob, instructions: string): Promise<string> {
  if (!job.isPullRequest) {
    await s.actor("enqueue-fix", (calls) => calls.enqueueFix(fixJobForIssue(job, instructions)));
    return "fix enqueued";
  }
  const pr = await s.github("get-pull-request", () => getPullRequest(deps, job));
  if (pr.fork) {
    await s.say("reply-fork", forkFixRefusal(pr.headRepoFullName));
    return "refused: fork";
  }
  // A fix asked for in a thread takes that thread; one without instructions, the PR's unresolved threads (if any).
  const threads = job.thread
    ? [await s.github("read-thread", () => readThread(deps, job))]
    : instructions.trim()
      ? []
      : await s.github("read-review-threads", () => readOpenThreads(deps, job));
  await s.actor("enqueue-fix", (calls) => calls.enqueueFix(fixJobForPullRequest(job, pr, instructions, threads)));
  return threads.length ? `fix of ${threads.length} review thread(s) enqueued` : "fix on the pull request branch enqueued";
}

/** `review`: a fresh review of the whole pull request. */
async function reviewCommand(s: CommandSteps, deps: StepDeps, job: CommandJob): Promise<string> {
  if (!job.isPullRequest) {
    await s.say("reply-review", reviewOnIssueReply(job.word));
    return "refused: not a pull request";
  }
  const pr = await s.github("get-pull-request", () => getPullRequest(deps, job));
  await s.actor("enqueue-review", (calls) => calls.enqueueReview(reviewJobForPullRequest(job, pr)));
  return "review enqueued";
}

/** `ask`: read-only: the agent's changes are never measured, committed or pushed; its stdout is the reply. */
async function askCommand(ctx: FlowContext, s: CommandSteps, deps: StepDeps, job: CommandJob, question: string): Promise<string> {
  // A used-up spend window refuses the question before anything is cloned or run (only when the operator keeps windows).
  const usedUp = spendCounted(deps) ? await runStep(ctx, "check-spend", SPEND, () => checkSpendWindows(deps, job.repo)) : null;
  if (usedUp) {
    await s.say("reply-answer", askSpendRefusal({ asker: job.sender, usedUp, org: job.repo.owner, repo: job.repo.name, word: job.word }));
    return `ask refused: spend window ${usedUp.window} is used up`;
  }
  const thread = job.thread ? await s.github("read-thread", () => readThread(deps, job)) : undefined;
  const outcome = await runStep(ctx, "answer-question", ASK, async (signal) => {
    const answered = await answerQuestion(deps, job, question, signal, thread);
    // Counted where the agent ran (inside the step: a replay does not count it again).
    if (answered.kind === "answered" && deps.metrics) recordAgentUsage(deps.metrics, "review", answered.usage);
    return answered;
  });
  if (outcome.kind === "refused") {
    await s.say("reply-answer", outcome.reason);
    return `ask refused: ${outcome.reason}`;
  }
  await s.say("reply-answer", answerReply({ asker: job.sender, ...outcome }));
  // Counted in the spend windows like a review (once per delivery); only when the operator keeps windows.
  if (outcome.usage && spendCounted(deps))
    await runStep(ctx, "record-spend", SPEND, () =>
      recordAgentSpend(deps, { repo: job.repo, key: `ask:${job.deliveryId}`, usage: outcome.usage }),
    );
  return "answered";
}

/** `retry`: the last failed or cancelled run from the step that failed, or the last run again. */
async function retryCommand(s: CommandSteps, job: CommandJob): Promise<string> {
  const plan = planRetry(await s.actor("read-runs", (calls) => calls.getRuns()), job.word);
  if (plan.kind === "refuse") {
    await s.say("reply-retry", `Nothing to retry: ${plan.reason}`);
    return `retry refused: ${plan.reason}`;
  }
  const resume = plan.kind === "resume";
  await s.actor("enqueue-retry", (calls) => calls.enqueueFix(retryJob(job, plan.run, resume)));
  await s.say("reply-retry", retryReply(plan));
  return resume ? `retry of ${plan.run.runId}` : `new run after ${plan.run.runId}`;
}
