import { run, type Probot } from "probot";
import type { Logger } from "pino";
import { createClient, type Client } from "rivetkit/client";
import type { FixbotRegistry } from "../actors/index.js";
import { createApp } from "../app.js";
import { keepingEnvironment } from "../config/dotenv.js";
import { apiBaseUrl, type Env } from "../config/env.schema.js";
import { configCacheSettings } from "../config/intake-env.schema.js";
import { ConfigCaches } from "../github/config-cache.js";
import { createInstallationAccess } from "../github/installation-access.js";
import type { GitHubAccess } from "../github/octokit.js";
import { createSettle } from "../intake/settle-irrelevant.js";
import { combinedMetrics, type MetricsJson } from "../metrics/combined.js";
import { countDeadLetters } from "../metrics/dead-letter-count.js";
import { createDeliveryMetrics, type DeliveryMetrics } from "../metrics/deliveries.js";
import { firstOf, metricsRoutes } from "../metrics/http-routes.js";
import { addScrapeGauges, createMetrics } from "../metrics/registry.js";
import { recoverFailedDeliveries } from "../github/recover-deliveries.js";
import { createHealthHandler } from "../http/health.js";
import { createWebhookRoute } from "../http/webhook-route.js";
import { createDispatch, type Dispatch } from "../runtime/dispatch.js";
import { engineIsHealthy, type EngineSettings } from "../runtime/engine.js";
import { replicaId, replicaInboxDir } from "../runtime/replica.js";
import { intakeRuns } from "../runs/intake-runs.js";

export interface Intake {
  /** Stops taking webhooks, then closes the inbox (what it holds is handed on at the next start). */
  stop(): Promise<void>;
}

/**
 * The intake role: Probot's HTTP server, the durable inbox, and the hand-over of its jobs to the engine as a
 * RivetKit client. It runs no actor, so the webhook answer time does not depend on the workflows' work.
 * `workerUp` tells the health check whether a workflow runner is there to run what is handed over.
 */
export async function startIntake(params: {
  env: Env;
  log: Logger;
  engine: EngineSettings;
  workerUp: () => Promise<boolean>;
  /** The supervised worker's metrics, summed into this process's /metrics (the default role). */
  workerMetrics?: () => Promise<MetricsJson[]>;
}): Promise<Intake> {
  const { env, log, engine } = params;
  const replica = replicaId(process.env);
  let probot: Probot | undefined;
  const github = createInstallationAccess({
    probot: () => {
      if (!probot) throw new Error("the Probot app is not loaded yet");
      return probot;
    },
    octokit: { baseUrl: apiBaseUrl(env), throttle: env.FIXBOT_GITHUB_THROTTLE === "on" },
  });
  const client = createClient<FixbotRegistry>(engine.endpoint);
  const metrics = createMetrics();
  const deliveries = createDeliveryMetrics(metrics);
  const inboxDir = await replicaInboxDir({ dataDir: env.FIXBOT_DATA_DIR, id: replica, log });
  const configCaches = new ConfigCaches(configCacheSettings(env));
  const { dispatch, runs } = await openDispatch({ env, log, client, github, configCaches, inboxDir, deliveries });
  addScrapeGauges(metrics, { inboxBacklog: () => dispatch.inbox.size, deadLetters: () => countDeadLetters(inboxDir) });
  const metricsHttp = await metricsRoutes(
    params.workerMetrics ? combinedMetrics(metrics.registry, params.workerMetrics) : metrics.registry,
    env,
  );
  log.info({ replica, inbox: inboxDir, engine: engine.embedded ? "embedded" : engine.endpoint, role: env.FIXBOT_ROLE }, "fixbot started");
  let accepting = true;
  const app = createApp({
    acceptFix: dispatch.acceptFix,
    acceptReview: dispatch.acceptReview,
    acceptCommand: dispatch.acceptCommand,
    commandWord: env.FIXBOT_COMMAND_WORD,
    now: Date.now,
    allowedOwners: env.ALLOWED_OWNERS,
    forkReviews: env.FIXBOT_FORK_REVIEWS,
    configCaches,
    httpHandler: firstOf(
      createHealthHandler({ engineReady: () => engineIsHealthy(engine.endpoint), accepting: () => accepting, workerUp: params.workerUp }),
      metricsHttp.publicRoute,
      runs.routes,
    ),
  });
  const server = await startProbotServer({ app, deliveries, log, onLoad: (p) => (probot = p) });
  // Deliveries that reached a process which died before enqueueing them: ask GitHub to send them again.
  void probot!
    .auth()
    .then((appOctokit) => recoverFailedDeliveries({ app: appOctokit, log }))
    .catch((error: unknown) => log.warn({ err: error }, "could not check for failed webhook deliveries"));
  return {
    async stop() {
      accepting = false;
      await server.stop().catch(() => undefined);
      metricsHttp.server?.close();
      await dispatch.inbox.close();
      await client.dispose().catch(() => undefined);
    },
  };
}

/**
 * The inbox and its hand-over to the engine. Deliveries that cannot start or change a run are settled here,
 * before any actor (src/intake), when the relevance filter is on. The client is disposed if the inbox cannot open.
 * The runs index is opened with it: the hand-over registers each installation's index (src/runs/intake-runs.ts).
 */
async function openDispatch(p: {
  env: Env;
  log: Logger;
  client: Client<FixbotRegistry>;
  github: GitHubAccess;
  configCaches: ConfigCaches;
  inboxDir: string;
  deliveries: DeliveryMetrics;
}): Promise<{ dispatch: Dispatch; runs: Awaited<ReturnType<typeof intakeRuns>> }> {
  const { env, log, client, github } = p;
  const settle = env.FIXBOT_RELEVANCE_FILTER === "on" ? createSettle({ github, caches: p.configCaches, log }) : undefined;
  const runs = await intakeRuns({ client: () => client, env, apiUrl: apiBaseUrl(env), log });
  const dispatch = await createDispatch({
    runtime: { client },
    runsIndex: runs.index,
    dir: p.inboxDir,
    log,
    sync: env.FIXBOT_INBOX_SYNC,
    github,
    settle,
    deliveries: p.deliveries,
  }).catch(async (error: unknown) => {
    await client.dispose().catch(() => undefined);
    throw error;
  });
  return { dispatch, runs };
}

/** Starts Probot's HTTP server with the app, fixbot's webhook route in place of Probot's; `onLoad` gets the Probot. */
async function startProbotServer(params: {
  app: ReturnType<typeof createApp>;
  deliveries: DeliveryMetrics;
  log: Logger;
  onLoad: (probot: Probot) => void;
}) {
  const { app, deliveries, log, onLoad } = params;
  // Probot's run() copies .env over the environment; fixbot's rule is the other way round (see dotenv.ts).
  // It also adds a SIGINT handler that exits once its server stopped, before the inbox and the engine are:
  // fixbot's own handler (server.ts) does the whole stop, so Probot's is removed.
  const sigintBefore = new Set(process.listeners("SIGINT"));
  const server = await keepingEnvironment((snapshot) =>
    run(
      (p: Probot, options) => {
        onLoad(p);
        // Probot's webhook route, replaced before the server starts: the body is read with the 25 MB limit before
        // the signature check, and GitHub is answered 2xx only once the delivery is recorded (webhook-route.ts).
        const path = process.env.WEBHOOK_PATH || "/api/github/webhooks";
        p.getNodeMiddleware = async () => deliveries.wrap(createWebhookRoute({ webhooks: p.webhooks, path, log }), path);
        app(p, options);
      },
      { env: snapshot, log },
    ),
  );
  for (const listener of process.listeners("SIGINT")) if (!sigintBefore.has(listener)) process.removeListener("SIGINT", listener);
  return server;
}
