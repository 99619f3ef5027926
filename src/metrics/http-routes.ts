import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { MetricsEnv } from "../config/metrics-env.js";
import { createMetricsHandler, startMetricsServer } from "./endpoint.js";
import type { MetricsSource } from "./combined.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Tries each extra route in turn (Probot takes one handler per addHandler call). */
export function firstOf(...handlers: Handler[]): Handler {
  return async (req, res) => {
    for (const handle of handlers) if (await handle(req, res)) return true;
    return false;
  };
}

/**
 * `/metrics` for this process: on the public port always behind FIXBOT_METRICS_TOKEN (401 without it), and on
 * FIXBOT_METRICS_PORT (loopback by default) when set. Each process exposes its own counters: scrape every
 * fixbot process and sum (see README "Metrics").
 */
export async function metricsRoutes(registry: MetricsSource, env: MetricsEnv): Promise<{ publicRoute: Handler; server?: Server }> {
  const publicRoute = createMetricsHandler({ registry, token: env.FIXBOT_METRICS_TOKEN, requireToken: true });
  if (env.FIXBOT_METRICS_PORT === undefined) return { publicRoute };
  const server = await startMetricsServer({
    registry,
    token: env.FIXBOT_METRICS_TOKEN,
    port: env.FIXBOT_METRICS_PORT,
    host: env.FIXBOT_METRICS_HOST,
  });
  return { publicRoute, server };
}
