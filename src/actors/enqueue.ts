import type { Client } from "rivetkit/client";
import type { CommandJob } from "../webhooks/comment-to-command.js";
import type { FixJob } from "../workflow/types.js";
import { runKey, type FixbotRegistry } from "./index.js";

/**
 * Puts a job on its issue's actor queue (the actor is created on first use) and starts its wake-up alarm, so
 * the job runs to the end even if this process dies right after answering the webhook.
 */
export async function enqueueFixJob(client: Client<FixbotRegistry>, job: FixJob): Promise<void> {
  const handle = client.fixRun.getOrCreate(runKey(job));
  const enqueuedAt = Date.now();
  await handle.send("jobs", job);
  await handle.keepAwake(enqueuedAt);
}

/** Puts a slash command on its issue's commands actor, with the wake-up alarm. */
export async function enqueueCommand(client: Client<FixbotRegistry>, job: CommandJob): Promise<void> {
  const handle = client.commands.getOrCreate([`${job.repo.owner}/${job.repo.name}`.toLowerCase(), String(job.number)]);
  await handle.send("commands", job);
  await handle.keepAwake();
}
