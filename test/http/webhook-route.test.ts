import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhooks } from "@octokit/webhooks";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createWebhookRoute } from "../../src/http/webhook-route.js";

const SECRET = "route-secret";
const PATH = "/api/github/webhooks";
const log = pino({ level: "silent" });
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A server with only the webhook route; `onIssue` is the handler (what fixbot's inbox accept would be). */
async function serve(onIssue: () => Promise<void>, maxBytes = 1024): Promise<{ url: string; webhooks: Webhooks }> {
  const webhooks = new Webhooks({ secret: SECRET });
  webhooks.on("issues", onIssue);
  const route = createWebhookRoute({ webhooks, path: PATH, log, maxBytes });
  const server = createServer((req, res) => {
    void route(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, webhooks };
}

function post(url: string, body: string | Buffer[], headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${PATH}`, { method: "POST", headers: { "content-type": "application/json", ...headers } });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    if (typeof body === "string") req.end(body);
    else {
      for (const chunk of body) req.write(chunk);
      req.end();
    }
  });
}

async function signed(webhooks: Webhooks, body: string): Promise<Record<string, string>> {
  return { "x-github-event": "issues", "x-github-delivery": "d-1", "x-hub-signature-256": await webhooks.sign(body) };
}

describe("the webhook route (body limit, then @octokit/webhooks' signature check)", () => {
  it("a signed delivery runs the handler and is answered 200 once the handler is done", async () => {
    let recorded = false;
    const { url, webhooks } = await serve(async () => {
      await new Promise((r) => setTimeout(r, 50));
      recorded = true;
    });
    const body = JSON.stringify({ action: "opened" });
    const res = await post(url, body, await signed(webhooks, body));
    expect(res.status).toBe(200);
    expect(recorded).toBe(true);
  });

  it("a bad signature is refused with 400 and runs nothing", async () => {
    let ran = false;
    const { url } = await serve(async () => void (ran = true));
    const res = await post(url, "{}", {
      "x-github-event": "issues",
      "x-github-delivery": "d-2",
      "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
    });
    expect(res.status).toBe(400);
    expect(ran).toBe(false);
  });

  it("a handler that could not record the delivery makes the answer 5xx, so GitHub marks it failed", async () => {
    const { url, webhooks } = await serve(async () => {
      throw new Error("the inbox is closed: fixbot is shutting down");
    });
    const res = await post(url, "{}", await signed(webhooks, "{}"));
    expect(res.status).toBe(500);
  });

  it("a declared body over the limit is refused with 413 before reading it, a chunked one when it passes the limit", async () => {
    let ran = false;
    const { url } = await serve(async () => void (ran = true), 1024);
    const big = "x".repeat(4096);
    expect(
      (await post(url, big, { "x-github-event": "issues", "x-github-delivery": "d-3", "x-hub-signature-256": "sha256=00" })).status,
    ).toBe(413);
    const chunks = Array.from({ length: 8 }, () => Buffer.alloc(512, 0x20));
    const chunked = await post(url, chunks, {
      "x-github-event": "issues",
      "x-github-delivery": "d-4",
      "x-hub-signature-256": "sha256=00",
      "transfer-encoding": "chunked",
    }).catch((e: Error) => ({ status: 0, text: e.message }));
    expect([413, 0]).toContain(chunked.status);
    expect(ran).toBe(false);
  });
});
