import type { Logger } from "pino";
import type { Client } from "rivetkit/client";
import type { FixbotRegistry } from "../actors/index.js";
import { firstOf } from "../metrics/http-routes.js";
import { createRunsApiHandler } from "./api-routes.js";
import { runsIndexIntake, type RunsIndexIntake } from "./index-client.js";
import { indexRunsSource } from "./index-source.js";
import { runsPageRoutes, type RunsPageDeps } from "./page-routes.js";

/**
 * The runs index as the intake uses it: `index` registers installations as their jobs are handed over
 * (src/runtime/dispatch.ts); `routes` serve the runs API and the runs page from it. The catalog is created now,
 * not by the first (bounded) read.
 */
export async function intakeRuns(p: {
  client: () => Client<FixbotRegistry>;
  env: RunsPageDeps["env"];
  apiUrl: string;
  log: Logger;
}): Promise<{ index: RunsIndexIntake; routes: ReturnType<typeof firstOf> }> {
  const index = runsIndexIntake(p.client);
  void index.warm().catch((error: unknown) => p.log.warn({ err: error }, "could not create the runs catalog yet; the first read will"));
  const source = indexRunsSource(index.reader);
  const api = createRunsApiHandler({ source, token: p.env.FIXBOT_RUNS_TOKEN, log: p.log });
  return { index, routes: firstOf(api, await runsPageRoutes({ source, env: p.env, apiUrl: p.apiUrl, log: p.log })) };
}
