import type { Client } from "rivetkit/client";
import { enqueueFixJob } from "../../actors/enqueue.js";
import { enqueuePrReview } from "../../actors/enqueue-pr-review.js";
import type { FixbotRegistry } from "../../actors/index.js";
import { answerQuestion } from "../../steps/commands/answer-question.js";
import { acknowledge, checkWriteAccess, getPullRequest, reply } from "../../steps/commands/command-steps.js";
import type { StepDeps } from "../../steps/deps.js";
import type { CommandJob } from "../../webhooks/comment-to-command.js";
import type { RunView } from "../types.js";
import { fixJobForIssue, fixJobForPullRequest, retryJob, reviewJobForPullRequest } from "./jobs-from-command.js";
import { DENIED_PREFIX } from "./denials.js";
import { deniedText, helpReply, planRetry, statusText } from "./replies.js";
import { answerReply } from "./ask-text.js";

/** The part of RivetKit's workflow context the command workflow uses (steps reach other actors by client). */
export interface CommandFlow {
  step<T>(config: { name: string; timeout: number; maxRetries: number; run: (sc: { client: () => Client<FixbotRegistry> }) => Promise<T> }): Promise<T>;
}

const GITHUB = { timeout: 60_000, maxRetries: 5 };
const ACTOR = { timeout: 60_000, maxRetries: 3 };
/** An answer: clone plus the review agent (timeouts.review is at most an hour), plus a day of waiting for a run slot. */
const ASK = { timeout: 2 * 3_600_000 + 24 * 3_600_000, maxRetries: 1 };

function fixRunKey(job: CommandJob): string[] {
  return [`${job.repo.owner}/${job.repo.name}`.toLowerCase(), String(job.number)];
}

/**
 * One slash command: acknowledge, check the commenter's access, then act. It only orders named steps; the
 * long work (a fix, a review) is enqueued on its own actor, so `status` and `cancel` answer at once even while
 * a run is in progress. Returns a one-line outcome for the log.
 */
export async function handleCommand(ctx: CommandFlow, deps: StepDeps, job: CommandJob): Promise<string> {
  const say = (name: string, text: string) => ctx.step({ name, ...GITHUB, run: () => reply(deps, job, text) });
  await ctx.step({
    name: "acknowledge",
    ...GITHUB,
    run: async () => {
      // Best effort: a missing reaction must not stop the command.
      await acknowledge(deps, job).catch((error: unknown) => deps.log.warn({ deliveryId: job.deliveryId, err: error }, "could not add the reaction"));
    },
  });
  const access = await ctx.step({ name: "check-access", ...GITHUB, run: () => checkWriteAccess(deps, job) });
  if (!access.allowed) {
    await say("reply-denied", deniedText({ sender: job.sender, role: access.role, word: job.word }));
    return `${DENIED_PREFIX} @${job.sender} has ${access.role} access`;
  }
  if (job.parsed.kind === "invalid") {
    await say("reply-help", helpReply({ word: job.word, reason: job.parsed.reason }));
    return `invalid: ${job.parsed.reason}`;
  }
  const command = job.parsed.command;
  const readRuns = () => ctx.step({ name: "read-runs", ...ACTOR, run: (sc): Promise<RunView[]> => sc.client().fixRun.getOrCreate(fixRunKey(job)).getRuns() });
  switch (command.name) {
    case "help":
      await say("reply-help", helpReply({ word: job.word }));
      return "help";
    case "status":
      await say("reply-status", statusText(await readRuns(), job.receivedAt));
      return "status";
    case "cancel": {
      const cancelled = await ctx.step({ name: "cancel-run", ...ACTOR, run: (sc) => sc.client().fixRun.getOrCreate(fixRunKey(job)).cancel(job.sender) });
      await say("reply-cancel", cancelled ? `🛑 Cancelling run \`${cancelled}\`: its agent and test processes are being stopped. \`/${job.word} retry\` continues it later.` : "Nothing is running here, so there is nothing to cancel.");
      return cancelled ? `cancelled ${cancelled}` : "nothing to cancel";
    }
    case "fix": {
      if (!job.isPullRequest) {
        await ctx.step({ name: "enqueue-fix", ...ACTOR, run: (sc) => enqueueFixJob(sc.client(), fixJobForIssue(job, command.instructions)) });
        return "fix enqueued";
      }
      const pr = await ctx.step({ name: "get-pull-request", ...GITHUB, run: () => getPullRequest(deps, job) });
      if (pr.fork) {
        await say("reply-fork", `fixbot cannot push to this pull request's branch: it lives in a fork (\`${pr.headRepoFullName ?? "deleted"}\`), and fixbot neither runs a fork's code nor holds credentials for it. Open the pull request from a branch of this repository, or label the issue instead.`);
        return "refused: fork";
      }
      await ctx.step({ name: "enqueue-fix", ...ACTOR, run: (sc) => enqueueFixJob(sc.client(), fixJobForPullRequest(job, pr, command.instructions)) });
      return "fix on the pull request branch enqueued";
    }
    case "review": {
      if (!job.isPullRequest) {
        await say("reply-review", `\`/${job.word} review\` works on pull requests.`);
        return "refused: not a pull request";
      }
      const pr = await ctx.step({ name: "get-pull-request", ...GITHUB, run: () => getPullRequest(deps, job) });
      await ctx.step({ name: "enqueue-review", ...ACTOR, run: (sc) => enqueuePrReview(sc.client(), reviewJobForPullRequest(job, pr)) });
      return "review enqueued";
    }
    case "ask": {
      // Read-only: the agent's changes are never measured, committed or pushed; its stdout is the reply.
      const outcome = await ctx.step({ name: "answer-question", ...ASK, run: () => answerQuestion(deps, job, command.question) });
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
      await ctx.step({ name: "enqueue-retry", ...ACTOR, run: (sc) => enqueueFixJob(sc.client(), retryJob(job, plan.run, resume)) });
      await say(
        "reply-retry",
        resume
          ? `🔁 Retrying run \`${plan.run.runId}\` from the step that ${plan.run.status === "cancelled" ? "was cancelled" : "failed"}; finished steps are not repeated.`
          : `🔁 The last run ended as ${plan.run.status}; starting it again with fresh agent attempts.`,
      );
      return resume ? `retry of ${plan.run.runId}` : `new run after ${plan.run.runId}`;
    }
  }
}
