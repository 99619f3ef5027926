import { z } from "zod";

/** Who may read the runs API (`GET /api/runs`, src/runs/api-routes.ts) and so `fixbot runs`. */
export const RunsEnvSchema = z.object({
  /** Bearer token for the runs API (machines, `fixbot runs`). Unset: the API answers 401 saying to set it. */
  FIXBOT_RUNS_TOKEN: z.string().min(16, "must be at least 16 characters (a random secret)").optional(),
});

export type RunsEnv = z.infer<typeof RunsEnvSchema>;
