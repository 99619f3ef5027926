import { actor, queue } from "rivetkit";
import { workflow } from "rivetkit/workflow";
import type { StepDeps } from "../steps/deps.js";
import type { CommandJob } from "../webhooks/comment-to-command.js";
import { capped } from "../workflow/admit.js";
import { DENIED_QUIETLY, deniedRecently } from "../workflow/commands/denials.js";
import { handleCommand, type ActorCalls } from "../workflow/commands/handle-command.js";
import type { FlowContext, StepContext } from "../workflow/flow-context.js";
import { runStep, stateStep } from "../workflow/step-runner.js";
import { GITHUB_CALL } from "../workflow/step-policies.js";
import { failedCommandReply } from "../workflow/commands/replies.js";
import { reply } from "../steps/commands/command-steps.js";
import type { Client } from "rivetkit/client";
import { enqueueFixJob } from "./enqueue.js";
import { enqueuePrReview } from "./enqueue-pr-review.js";
import type { FixbotRegistry } from "./index.js";
import { fixRunKeyOfCommand } from "./keys.js";
import { ENQUEUE_WAKE_MS, startsNextTick } from "./wake.js";
import { scheduleTick } from "./tick.js";

interface CommandsState {
  seenDeliveries: string[];
  /** Recent commands and how they ended, newest last. */
  handled: Array<{ deliveryId: string; sender: string; outcome: string; at: number }>;
  /** Set while a command is being handled; the wake-up alarm ticks until it is cleared or the grace ends. */
  busyUntil: number;
  /** When the pending wake-up tick fires (0: none); older actors' state lacks it. */
  nextTickAt?: number;
}

/** A command's calls to other actors, through the step's own client. */
function actorCalls(sc: StepContext<unknown>, job: CommandJob): ActorCalls {
  const client = sc.client() as Client<FixbotRegistry>;
  const fixRun = () => client.fixRun.getOrCreate(fixRunKeyOfCommand(job));
  return {
    getRuns: () => fixRun().getRuns(),
    cancel: (by) => fixRun().cancel(by),
    enqueueFix: (fixJob) => enqueueFixJob(client, fixJob),
    enqueueReview: (reviewJob) => enqueuePrReview(client, reviewJob),
  };
}

/** Tells the commenter their command failed (best effort: a reply that cannot be posted is only logged). */
async function replyFailed(flow: FlowContext<CommandsState>, deps: StepDeps, job: CommandJob, step: string | undefined, error: string) {
  const command = job.parsed.kind === "command" ? job.parsed.command.name : "command";
  const text = failedCommandReply({ sender: job.sender, command, step, error, word: job.word });
  await runStep(flow, "reply-failed", GITHUB_CALL, () =>
    reply(deps, job, text).catch((err: unknown) =>
      deps.log.warn({ deliveryId: job.deliveryId, err }, "could not reply that the command failed"),
    ),
  );
}

/**
 * One actor per (owner/repo, issue or PR number) for slash commands, apart from the fix-run actor so that
 * `status` and `cancel` are answered while a fix is running. Each command is a short recorded workflow.
 */
export function createCommandsActor(deps: StepDeps) {
  return actor({
    state: { seenDeliveries: [], handled: [], busyUntil: 0 } as CommandsState,
    queues: { commands: queue<CommandJob>() },
    run: workflow(async (ctx) => {
      await ctx.loop("commands", async (loop) => {
        const message = await loop.queue.next("wait-command", { names: ["commands"] });
        const job = message.body as CommandJob;
        const flow: FlowContext<CommandsState> = loop;
        const admitted = await stateStep(flow, "admit-command", (state) => {
          if (state.seenDeliveries.includes(job.deliveryId)) return false;
          state.seenDeliveries = capped([...state.seenDeliveries, job.deliveryId], 200);
          // Decided here, recorded with the step: a replay takes the same path.
          return { quiet: deniedRecently(state.handled, job.sender, deps.now()) };
        });
        if (!admitted) return;
        const result = admitted.quiet
          ? { ok: true as const, value: DENIED_QUIETLY }
          : await loop.try("handle-command", (tc) => handleCommand(tc, deps, job, (sc) => actorCalls(sc, job)));
        const outcome = result.ok
          ? result.value
          : `failed in ${result.failure.step?.stepName ?? result.failure.name}: ${result.failure.error.message.split("\n")[0]}`;
        if (!result.ok) await replyFailed(flow, deps, job, result.failure.step?.stepName, result.failure.error.message);
        await stateStep(flow, "record-command", (state) => {
          state.handled = capped([...state.handled, { deliveryId: job.deliveryId, sender: job.sender, outcome, at: deps.now() }], 50);
          state.busyUntil = 0;
          deps.log.info(
            { deliveryId: job.deliveryId, repo: `${job.repo.owner}/${job.repo.name}`, number: job.number, outcome },
            "slash command handled",
          );
        });
      });
    }),
    actions: {
      /** Called after every enqueue: ticks a wake-up alarm until the command is handled (see wake.ts). */
      keepAwake: async (c): Promise<void> => {
        const now = Date.now();
        c.state.busyUntil = now + ENQUEUE_WAKE_MS;
        if (startsNextTick(c.state.nextTickAt, now)) await scheduleTick(c, now);
      },
      tick: async (c): Promise<void> => {
        const now = Date.now();
        if (now < c.state.busyUntil && startsNextTick(c.state.nextTickAt, now)) await scheduleTick(c, now);
      },
      /** Recent commands and their outcomes. */
      getHandled: (c) => c.state.handled,
    },
  });
}
