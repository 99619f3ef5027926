import type { Client } from "rivetkit/client";
import type { CommandJob } from "../webhooks/comment-to-command.js";
import type { FixJob } from "../workflow/types.js";
import type { FixbotRegistry } from "./index.js";
import { commandsKey, fixRunKey } from "./keys.js";

/**
 * Puts a job on its issue's actor queue (the actor is created on first use) and starts its wake-up alarm, so
 * the job runs to the end even if this process dies right after answering the webhook.
 */
export async function enqueueFixJob(client: Client<FixbotRegistry>, job: FixJob): Promise<void> {
  await enqueueFixJobs(client, [job]);
}

/**
 * Jobs for ONE issue's actor (same run key), in order, in one action call: the actor puts them on its queue
 * and arms its wake-up alarm (keepAwake). One client send per job through the gateway cost ~0.15 s each on a
 * busy actor; one call for 100 jobs took ~1 s (a probe on this machine, see bench/README.md).
 */
export async function enqueueFixJobs(client: Client<FixbotRegistry>, jobs: readonly FixJob[]): Promise<void> {
  const first = jobs[0];
  if (!first) return;
  // The time before the call: the workflow may take a job from the queue before keepAwake's own bookkeeping.
  const enqueuedAt = Date.now();
  await client.fixRun.getOrCreate(fixRunKey(first)).keepAwake(enqueuedAt, [...jobs]);
}

/** Puts a slash command on its issue's commands actor, with the wake-up alarm. */
export async function enqueueCommand(client: Client<FixbotRegistry>, job: CommandJob): Promise<void> {
  await enqueueCommands(client, [job]);
}

/** Slash commands for ONE issue's commands actor, in order, then the wake-up alarm once. */
export async function enqueueCommands(client: Client<FixbotRegistry>, jobs: readonly CommandJob[]): Promise<void> {
  const first = jobs[0];
  if (!first) return;
  const handle = client.commands.getOrCreate(commandsKey(first));
  for (const job of jobs) await handle.send("commands", job);
  await handle.keepAwake();
}
