import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { MetricsSource } from "./combined.js";

/**
 * `GET /metrics` in Prometheus' text format. With a token, only `Authorization: Bearer <token>` gets it (401
 * otherwise); without one it answers 401 on the public port, always. Returns false for other requests.
 */
export function createMetricsHandler(params: { registry: MetricsSource; token?: string; requireToken: boolean }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") return false;
    if ((params.requireToken || params.token) && !authorized(req.headers.authorization, params.token)) {
      const why = params.token
        ? "send Authorization: Bearer <FIXBOT_METRICS_TOKEN>"
        : "set FIXBOT_METRICS_TOKEN, or FIXBOT_METRICS_PORT for a separate (loopback) port";
      res.writeHead(401, {
        "content-type": "text/plain",
        "www-authenticate": 'Bearer realm="fixbot metrics"',
        "cache-control": "no-store",
      });
      res.end(`metrics need a token: ${why}\n`);
      return true;
    }
    const text = await params.registry.metrics();
    res.writeHead(200, { "content-type": params.registry.contentType, "cache-control": "no-store" });
    res.end(text);
    return true;
  };
}

/** Constant-time comparison of the bearer token. Pure. */
export function authorized(header: string | undefined, token: string | undefined): boolean {
  if (!token || !header?.startsWith("Bearer ")) return false;
  const given = Buffer.from(header.slice("Bearer ".length));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A server of its own for /metrics (FIXBOT_METRICS_PORT), on loopback unless FIXBOT_METRICS_HOST says otherwise. */
export async function startMetricsServer(params: { registry: MetricsSource; token?: string; port: number; host: string }): Promise<Server> {
  const handle = createMetricsHandler({ registry: params.registry, token: params.token, requireToken: false });
  const server = createServer((req, res) => {
    void handle(req, res).then((done) => {
      if (!done) {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("not found: GET /metrics\n");
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(params.port, params.host, () => resolve());
  });
  return server;
}
