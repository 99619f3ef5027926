import { z } from "zod";

/**
 * Which part of fixbot a process runs (README, "Scaling the intake and the runners"):
 * - `all` (default): both, on one machine, as two processes: the webhook intake in this one, the workflows in a
 *   worker process it starts and supervises, so the HTTP path never waits for the event loop running workflows.
 * - `serve`: only the intake (Probot's HTTP server, the inbox, the hand-over to the engine as a client).
 * - `work`: only the workflow runner (the actors), no webhooks.
 * Also chosen by `fixbot serve` / `fixbot work`.
 */
export const ROLES = ["all", "serve", "work"] as const;
export type Role = (typeof ROLES)[number];

export const RoleEnvSchema = z.object({
  FIXBOT_ROLE: z.enum(ROLES, { errorMap: () => ({ message: `must be one of ${ROLES.join(", ")}` }) }).default("all"),
  /**
   * With FIXBOT_ROLE=all: the worker process's CPU niceness (0-19), inherited by everything it starts (agents,
   * tests, git, the embedded engine), so on a busy machine the kernel serves the webhook intake first. 0: the
   * same priority as the intake.
   */
  FIXBOT_WORKER_NICE: z.coerce.number().int().min(0, "must be 0-19").max(19, "must be 0-19").default(10),
});
