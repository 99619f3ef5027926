import { z } from "zod";

/** Who may read `/metrics` (src/metrics/endpoint.ts). */
export const MetricsEnvSchema = z.object({
  /**
   * Bearer token for `GET /metrics`. On the bot's public port the endpoint answers 401 without it (and always,
   * when it is unset). On FIXBOT_METRICS_PORT it is required too when set.
   */
  FIXBOT_METRICS_TOKEN: z.string().min(16, "must be at least 16 characters (a random secret)").optional(),
  /** Serve `/metrics` on a port of its own instead (no token needed there unless FIXBOT_METRICS_TOKEN is set). */
  FIXBOT_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** The address FIXBOT_METRICS_PORT listens on: loopback unless the operator widens it. */
  FIXBOT_METRICS_HOST: z.string().min(1).default("127.0.0.1"),
});

export type MetricsEnv = z.infer<typeof MetricsEnvSchema>;
