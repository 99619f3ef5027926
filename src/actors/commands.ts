import { actor, queue } from "rivetkit";
import { workflow } from "rivetkit/workflow";
import type { StepDeps } from "../steps/deps.js";
import type { CommandJob } from "../webhooks/comment-to-command.js";
import { capped } from "../workflow/admit.js";
import { DENIED_QUIETLY, deniedRecently } from "../workflow/commands/denials.js";
import { handleCommand, type CommandFlow } from "../workflow/commands/handle-command.js";
import { ENQUEUE_WAKE_MS, startsNextTick } from "../workflow/wake.js";
import { scheduleTick } from "./tick.js";
import { savingState } from "../workflow/state-saved.js";

interface CommandsState {
  seenDeliveries: string[];
  /** Recent commands and how they ended, newest last. */
  handled: Array<{ deliveryId: string; sender: string; outcome: string; at: number }>;
  /** Set while a command is being handled; the wake-up alarm ticks until it is cleared or the grace ends. */
  busyUntil: number;
  /** When the pending wake-up tick fires (0: none); older actors' state lacks it. */
  nextTickAt?: number;
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
        const admitted = await loop.step({
          name: "admit-command",
          timeout: 10_000,
          maxRetries: 3,
          run: savingState(async (sc) => {
            if (sc.state.seenDeliveries.includes(job.deliveryId)) return false;
            sc.state.seenDeliveries = capped([...sc.state.seenDeliveries, job.deliveryId], 200);
            // Decided here, recorded with the step: a replay takes the same path.
            return { quiet: deniedRecently(sc.state.handled, job.sender, deps.now()) };
          }),
        });
        if (!admitted) return;
        const result = admitted.quiet
          ? { ok: true as const, value: DENIED_QUIETLY }
          : await loop.try("handle-command", (tc) => handleCommand(tc as unknown as CommandFlow, deps, job));
        const outcome = result.ok ? result.value : `failed in ${result.failure.step?.stepName ?? result.failure.name}: ${result.failure.error.message.split("\n")[0]}`;
        await loop.step({
          name: "record-command",
          timeout: 10_000,
          maxRetries: 3,
          run: savingState(async (sc) => {
            sc.state.handled = capped([...sc.state.handled, { deliveryId: job.deliveryId, sender: job.sender, outcome, at: deps.now() }], 50);
            sc.state.busyUntil = 0;
            deps.log.info({ deliveryId: job.deliveryId, repo: `${job.repo.owner}/${job.repo.name}`, number: job.number, outcome }, "slash command handled");
          }),
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
