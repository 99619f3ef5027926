import type { IncomingMessage, ServerResponse } from "node:http";

export interface HealthProbes {
  /** The workflow engine answers. */
  engineReady: () => Promise<boolean>;
  /** False once shutdown began: webhooks are no longer taken. */
  accepting: () => boolean;
  /** A workflow runner is connected (the supervised worker process, or any runner of the engine). Unset: not checked. */
  workerUp?: () => Promise<boolean>;
}

function reply(res: ServerResponse, status: number, body: object): true {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
  return true;
}

/**
 * `GET /healthz`: the process is up. `GET /readyz`: the engine is reachable, a workflow runner is up and webhooks are accepted (what a
 * load balancer should route on). Returns false for any other request so Probot's handlers see it.
 */
export function createHealthHandler(probes: HealthProbes) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== "GET") return false;
    const path = (req.url ?? "").split("?")[0];
    if (path === "/healthz") return reply(res, 200, { status: "ok" });
    if (path !== "/readyz") return false;
    const accepting = probes.accepting();
    const engine = await probes.engineReady().catch(() => false);
    const worker = probes.workerUp ? await probes.workerUp().catch(() => false) : true;
    const ready = accepting && engine && worker;
    const body = {
      status: ready ? "ready" : "not-ready",
      engine: engine ? "ok" : "unreachable",
      webhooks: accepting ? "accepting" : "stopping",
    };
    return reply(res, ready ? 200 : 503, probes.workerUp ? { ...body, worker: worker ? "ok" : "down" } : body);
  };
}
