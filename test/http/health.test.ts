import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createHealthHandler } from "../../src/http/health.js";

let server: Server | undefined;

async function serve(probes: Parameters<typeof createHealthHandler>[0]): Promise<string> {
  const handler = createHealthHandler(probes);
  server = createServer(async (req, res) => {
    if (!(await handler(req, res))) {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

afterEach(() => server?.close());

describe("health endpoints", () => {
  it("/healthz answers while the process is up, whatever the engine does", async () => {
    const url = await serve({ engineReady: async () => false, accepting: () => false });
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
  });

  it("/readyz is 200 only when the engine answers and webhooks are accepted", async () => {
    let engine = true;
    let accepting = true;
    const url = await serve({ engineReady: async () => engine, accepting: () => accepting });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    engine = false;
    const down = await fetch(`${url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ engine: "unreachable" });
    engine = true;
    accepting = false;
    const stopping = await fetch(`${url}/readyz`);
    expect(stopping.status).toBe(503);
    expect(await stopping.json()).toMatchObject({ webhooks: "stopping" });
  });

  it("/readyz is 503 while the workflow runner is down (worker: down), 200 again once it is back", async () => {
    let worker = false;
    const url = await serve({ engineReady: async () => true, accepting: () => true, workerUp: async () => worker });
    const down = await fetch(`${url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: "not-ready", engine: "ok", webhooks: "accepting", worker: "down" });
    worker = true;
    const up = await fetch(`${url}/readyz`);
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ worker: "ok" });
  });

  it("leaves other routes to the next handler", async () => {
    const url = await serve({ engineReady: async () => true, accepting: () => true });
    expect((await fetch(`${url}/api/github/webhooks`)).status).toBe(404);
  });
});
