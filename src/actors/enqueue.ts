import type { Client } from "rivetkit/client";
import type { FixJob } from "../workflow/types.js";
import { runKey, type FixbotRegistry } from "./index.js";

/** Puts a job on its issue's actor queue. The actor is created on first use. */
export async function enqueueFixJob(client: Client<FixbotRegistry>, job: FixJob): Promise<void> {
  await client.fixRun.getOrCreate(runKey(job)).send("jobs", job);
}
