import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { authorized, createMetricsHandler, startMetricsServer } from "../../src/metrics/endpoint.js";
import { createMetrics } from "../../src/metrics/registry.js";

const TOKEN = "metrics-token-0123456789";
let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers = [];
});

async function serve(handler: ReturnType<typeof createMetricsHandler>): Promise<string> {
  const server = createServer((req, res) => void handler(req, res).then((done) => done || (res.writeHead(404), res.end())));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("/metrics protection", () => {
  it("on the public port: 401 without the token, wrong token or no token configured; the text format with it", async () => {
    const metrics = createMetrics();
    metrics.runs.inc({ kind: "fix", status: "fixed" });
    const url = await serve(createMetricsHandler({ registry: metrics.registry, token: TOKEN, requireToken: true }));
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: "Bearer wrong-token-0123456789" } })).status).toBe(401);
    const ok = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('fixbot_runs_total{kind="fix",status="fixed"} 1');
    const open = await serve(createMetricsHandler({ registry: metrics.registry, requireToken: true }));
    const refused = await fetch(`${open}/metrics`);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain("FIXBOT_METRICS_TOKEN");
  });

  it("its own port listens on loopback and needs no token unless one is set", async () => {
    const metrics = createMetrics();
    const server = await startMetricsServer({ registry: metrics.registry, port: 0, host: "127.0.0.1" });
    servers.push(server);
    const { address, port } = server.address() as AddressInfo;
    expect(address).toBe("127.0.0.1");
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("# TYPE fixbot_webhook_answer_seconds histogram");
  });

  it("compares the bearer token exactly", () => {
    expect(authorized(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(authorized(`Bearer ${TOKEN}x`, TOKEN)).toBe(false);
    expect(authorized(TOKEN, TOKEN)).toBe(false);
    expect(authorized("Bearer ", undefined)).toBe(false);
  });

  it("each registry is its own: two processes' (or tests') counters never mix", async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.attempts.inc(3);
    expect(await b.registry.getSingleMetricAsString("fixbot_agent_attempts_total")).toContain("fixbot_agent_attempts_total 0");
    expect(await a.registry.getSingleMetricAsString("fixbot_agent_attempts_total")).toContain("fixbot_agent_attempts_total 3");
  });
});
