import { createServer } from "node:http";
import type { Logger } from "pino";
import type { Env } from "../config/env.schema.js";
import { createHealthHandler } from "../http/health.js";
import { engineIsHealthy } from "../runtime/engine.js";
import { startWorker } from "./worker.js";
import { metricsRoutes, firstOf } from "../metrics/http-routes.js";
import { METRICS_REPLY, METRICS_REQUEST, WORKER_READY } from "./worker-supervisor.js";

/**
 * A process of the worker role. Supervised (started by `fixbot`'s default role, with an IPC channel): it tells
 * its supervisor when it is ready, stops on SIGTERM without stopping the engine (the supervisor owns it), ignores
 * SIGINT (the supervisor's terminal sends it to the whole group; the supervisor stops it in order) and exits at
 * once if its supervisor dies. Alone (`fixbot work`): /healthz and /readyz on PORT, and SIGTERM/SIGINT stop it
 * and the embedded engine it started, as the all-in-one process does.
 */
export async function runWorkerProcess(params: { env: Env; log: Logger }): Promise<void> {
  const { env, log } = params;
  const supervised = typeof process.send === "function";
  const worker = await startWorker({ env, log });
  let accepting = true;
  let health: { close(): Promise<void> } | undefined;
  const stop = async (signal: string) => {
    accepting = false;
    log.info({ signal, role: "work" }, "stopping the worker: in-flight steps resume on the next start");
    await health?.close();
    await worker.stop({ stopEngine: !supervised });
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  if (supervised) {
    process.on("SIGINT", () => undefined);
    process.once("disconnect", () => {
      log.error("the supervising fixbot process is gone: the worker exits (its runs resume on the next start)");
      process.exit(1);
    });
    // The intake serves /metrics: it asks for the workflows' metrics over the IPC channel.
    process.on("message", (message: { type?: string; id?: number }) => {
      if (message?.type !== METRICS_REQUEST) return;
      void worker.metrics.registry.getMetricsAsJSON().then((metrics) => process.send?.({ type: METRICS_REPLY, id: message.id, metrics }));
    });
    process.send!(WORKER_READY);
    return;
  }
  process.once("SIGINT", () => void stop("SIGINT"));
  const metrics = await metricsRoutes(worker.metrics.registry, env);
  const handler = firstOf(
    createHealthHandler({ engineReady: () => engineIsHealthy(worker.runtime.engine.endpoint), accepting: () => accepting }),
    metrics.publicRoute,
  );
  const server = createServer((req, res) => {
    void handler(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  health = {
    close: () => {
      metrics.server?.close();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const port = Number(process.env.PORT || 3000);
  server.listen(port, process.env.HOST || undefined, () =>
    log.info({ role: "work", port, engine: worker.runtime.engine.endpoint }, "fixbot worker started (health on /healthz, /readyz)"),
  );
}
