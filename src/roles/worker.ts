import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import { createAgentFactory } from "../agents/factory.js";
import { agentOsProvider, workspaceGcSettings, type Env } from "../config/env.schema.js";
import { runSlotsFromEnv } from "../limits/run-slots.js";
import { configureEngine } from "../runtime/engine.js";
import { startRuntime, type Runtime } from "../runtime/start-runtime.js";
import { startSandbox } from "../sandbox/start-sandbox.js";
import { startWorkspaceSweeper } from "../workspaces/sweep.js";
import { addScrapeGauges, createMetrics, type Metrics } from "../metrics/registry.js";
import { meteredSandbox } from "../metrics/run-metrics.js";
import { ceilingsFromEnv } from "../spend/ceilings.js";
import { spendLimitsFromEnv } from "../spend/windows.js";
import { appAccessWithoutServer } from "./github-app.js";

export interface Worker {
  runtime: Runtime;
  /** The workflows' metrics (runs, steps, usage, slots): served by the intake, summed with its own. */
  metrics: Metrics;
  /** Stops the sweeper and the registry (in-flight steps resume on the next start); the engine only if asked. */
  stop(options: { stopEngine: boolean }): Promise<void>;
}

/**
 * The worker role: the registry's actors and workflows (runner only), connected to the engine (started here,
 * embedded, unless RIVET_ENDPOINT names one), and the workspace sweeper. It takes no webhooks.
 */
export async function startWorker(params: { env: Env; log: Logger }): Promise<Worker> {
  const { env, log } = params;
  process.env.RIVET_LOG_LEVEL ??= "warn";
  // Before the secrets are listed: it sets RIVET_TOKEN for the embedded engine.
  await configureEngine({ dataDir: env.FIXBOT_DATA_DIR });
  const privateKey = env.PRIVATE_KEY ?? (env.PRIVATE_KEY_PATH ? await readFile(env.PRIVATE_KEY_PATH, "utf8") : "");
  const agentSecrets = env.FIXBOT_AGENT_ENV.map((name) => process.env[name]).filter((v): v is string => Boolean(v));
  const metrics = createMetrics();
  const sandbox = meteredSandbox(await startSandbox({ env: process.env, dataDir: env.FIXBOT_DATA_DIR, log }), metrics);
  const slots = runSlotsFromEnv(env, log);
  addScrapeGauges(metrics, { slots: () => ({ ...slots.counts(), limit: env.FIXBOT_MAX_CONCURRENT_RUNS || undefined }) });
  const runtime = await startRuntime({
    dataDir: env.FIXBOT_DATA_DIR,
    github: appAccessWithoutServer(env, log),
    createAgent: createAgentFactory({ baseEnv: process.env, allowedPassEnv: env.FIXBOT_AGENT_ENV, agentos: agentOsProvider(env), sandbox }),
    sandbox,
    secrets: [privateKey, env.WEBHOOK_SECRET ?? "", env.ANTHROPIC_API_KEY ?? "", process.env.RIVET_TOKEN ?? "", ...agentSecrets].filter(
      Boolean,
    ),
    log,
    now: Date.now,
    slots,
    metrics,
    spend: { ceilings: ceilingsFromEnv(env), limits: spendLimitsFromEnv(env) },
  });
  // Finished runs' workspaces: removed after the retention period, LRU past the size limit; never one in use.
  const sweeper = startWorkspaceSweeper({ dataDir: env.FIXBOT_DATA_DIR, log, ...workspaceGcSettings(env) });
  return {
    runtime,
    metrics,
    async stop(options) {
      await sweeper.stop();
      await runtime.stop(options.stopEngine ? { stopEngine: "always" } : undefined);
    },
  };
}
