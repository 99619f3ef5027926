import { readFile } from "node:fs/promises";
import { run, type Probot } from "probot";
import { createAgentFactory } from "./agents/factory.js";
import { createApp } from "./app.js";
import { keepingEnvironment, loadDotEnv } from "./config/dotenv.js";
import { agentOsProvider, apiBaseUrl, EnvError, hasAppCredentials, readEnv, workspaceGcSettings } from "./config/env.schema.js";
import { createInstallationAccess } from "./github/installation-access.js";
import { recoverFailedDeliveries } from "./github/recover-deliveries.js";
import { createHealthHandler } from "./http/health.js";
import { watchUnexpectedErrors } from "./http/unexpected-errors.js";
import { createWebhookRoute } from "./http/webhook-route.js";
import { configureEngine, engineIsHealthy } from "./runtime/engine.js";
import { createDispatch } from "./runtime/dispatch.js";
import { createLogger } from "./runtime/logger.js";
import { replicaId, replicaInboxDir, ReplicaIdError } from "./runtime/replica.js";
import { DirLockedError } from "./inbox/dir-lock.js";
import { startRuntime } from "./runtime/start-runtime.js";
import { startSandbox } from "./sandbox/start-sandbox.js";
import { startWorkspaceSweeper } from "./workspaces/sweep.js";
import { runSlotsFromEnv } from "./limits/run-slots.js";
import { countDeadLetters } from "./metrics/dead-letter-count.js";
import { createDeliveryMetrics } from "./metrics/deliveries.js";
import { firstOf, metricsRoutes } from "./metrics/http-routes.js";
import { addScrapeGauges, createMetrics } from "./metrics/registry.js";
import { meteredSandbox } from "./metrics/run-metrics.js";
import { ceilingsFromEnv } from "./spend/ceilings.js";
import { spendLimitsFromEnv } from "./spend/windows.js";

// Process entry: read config, start the workflow runtime, then Probot. No logic here.
async function main(): Promise<void> {
  loadDotEnv(process.cwd());
  const env = readEnv(process.env);
  const log = await createLogger(process.env);
  if (!hasAppCredentials(env)) {
    // No App yet: Probot's setup flow creates one from app.yml and writes the credentials to .env.
    await keepingEnvironment((snapshot) => run(() => undefined, { env: snapshot, log }));
    return;
  }
  watchUnexpectedErrors(log);
  process.env.RIVET_LOG_LEVEL ??= "warn";
  const replica = replicaId(process.env);
  // Before the secrets are listed: it sets RIVET_TOKEN for the embedded engine.
  await configureEngine({ dataDir: env.FIXBOT_DATA_DIR });
  const privateKey = env.PRIVATE_KEY ?? (env.PRIVATE_KEY_PATH ? await readFile(env.PRIVATE_KEY_PATH, "utf8") : "");
  const agentSecrets = env.FIXBOT_AGENT_ENV.map((name) => process.env[name]).filter((v): v is string => Boolean(v));
  const metrics = createMetrics();
  const deliveries = createDeliveryMetrics(metrics);
  const sandbox = meteredSandbox(await startSandbox({ env: process.env, dataDir: env.FIXBOT_DATA_DIR, log }), metrics);
  const slots = runSlotsFromEnv(env, log);
  let probot: Probot | undefined;
  const github = createInstallationAccess({
    probot: () => {
      if (!probot) throw new Error("the Probot app is not loaded yet");
      return probot;
    },
    octokit: { baseUrl: apiBaseUrl(env), throttle: env.FIXBOT_GITHUB_THROTTLE === "on" },
  });
  const runtime = await startRuntime({
    dataDir: env.FIXBOT_DATA_DIR,
    github,
    createAgent: createAgentFactory({ baseEnv: process.env, allowedPassEnv: env.FIXBOT_AGENT_ENV, agentos: agentOsProvider(env), sandbox }),
    sandbox,
    secrets: [privateKey, env.WEBHOOK_SECRET ?? "", env.ANTHROPIC_API_KEY ?? "", process.env.RIVET_TOKEN ?? "", ...agentSecrets].filter(Boolean),
    log,
    now: Date.now,
    slots,
    metrics,
    spend: { ceilings: ceilingsFromEnv(env), limits: spendLimitsFromEnv(env) },
  });
  // Finished runs' workspaces: removed after the retention period, LRU past the size limit; never one in use.
  const sweeper = startWorkspaceSweeper({ dataDir: env.FIXBOT_DATA_DIR, log, ...workspaceGcSettings(env) });
  const inboxDir = await replicaInboxDir({ dataDir: env.FIXBOT_DATA_DIR, id: replica, log });
  const dispatch = await createDispatch({ runtime, dir: inboxDir, log, sync: env.FIXBOT_INBOX_SYNC, github, deliveries }).catch(async (error: unknown) => {
    await runtime.stop();
    throw error;
  });
  addScrapeGauges(metrics, {
    inboxBacklog: () => dispatch.inbox.size,
    deadLetters: () => countDeadLetters(inboxDir),
    slots: () => ({ ...slots.counts(), limit: env.FIXBOT_MAX_CONCURRENT_RUNS || undefined }),
  });
  const metricsHttp = await metricsRoutes(metrics, env);
  log.info({ replica, inbox: inboxDir, engine: runtime.engine.embedded ? "embedded" : runtime.engine.endpoint }, "fixbot started");
  let accepting = true;
  const app = createApp({
    acceptFix: dispatch.acceptFix,
    acceptReview: dispatch.acceptReview,
    acceptCommand: dispatch.acceptCommand,
    commandWord: env.FIXBOT_COMMAND_WORD,
    now: Date.now,
    allowedOwners: env.ALLOWED_OWNERS,
    forkReviews: env.FIXBOT_FORK_REVIEWS,
    httpHandler: firstOf(createHealthHandler({ engineReady: () => engineIsHealthy(runtime.engine.endpoint), accepting: () => accepting }), metricsHttp.publicRoute),
  });
  // Probot's run() copies .env over the environment; fixbot's rule is the other way round (see dotenv.ts).
  // It also adds a SIGINT handler that exits once its server stopped, before the inbox and the engine are:
  // fixbot's own handler below does the whole stop, so Probot's is removed.
  const sigintBefore = new Set(process.listeners("SIGINT"));
  const server = await keepingEnvironment((snapshot) =>
    run(
      (p: Probot, options) => {
        probot = p;
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
  // Deliveries that reached a process which died before enqueueing them: ask GitHub to send them again.
  void probot!
    .auth()
    .then((appOctokit) => recoverFailedDeliveries({ app: appOctokit, log }))
    .catch((error: unknown) => log.warn({ err: error }, "could not check for failed webhook deliveries"));
  const stop = async (signal: string) => {
    accepting = false;
    log.info({ signal }, "stopping: no new webhooks; in-flight steps resume on the next start");
    await server.stop().catch(() => undefined);
    metricsHttp.server?.close();
    await sweeper.stop();
    await dispatch.inbox.close();
    // The embedded engine belongs to this data directory: it stops with the bot. Only a killed bot leaves it
    // running (the next start reuses it; its watchdog stops it if the directory is removed).
    await runtime.stop({ stopEngine: "always" });
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(`fixbot: ${error instanceof EnvError || error instanceof DirLockedError || error instanceof ReplicaIdError ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
