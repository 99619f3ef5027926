import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startModelProxy, type ModelProxy } from "../../../src/agents/agentos/model-proxy.js";
import { proxyRoute } from "../../../src/agents/agentos/proxy-request.js";
import type { BudgetName } from "../../../src/agents/usage.js";
import { startMockAnthropic, type MockAnthropic } from "../../helpers/mock-anthropic.js";

/**
 * The model proxy over real HTTP, in front of the mock Anthropic server: what it forwards (only the Messages
 * endpoints), what it refuses without calling the provider, how much body it reads, and that every answer's
 * usage (streaming or not) counts against the budget.
 */
const API_KEY = "sk-ant-proxy-0123456789abcdefghijklmnop";
let upstream: MockAnthropic;

beforeAll(async () => {
  upstream = await startMockAnthropic({ apiKey: API_KEY, script: () => ({ text: "ok", usage: { input: 400, output: 100 } }) });
});
afterAll(() => upstream.close());

async function withProxy(
  options: { budget?: { tokens?: number }; maxRequestBytes?: number },
  body: (proxy: ModelProxy, stops: BudgetName[]) => Promise<void>,
): Promise<void> {
  const stops: BudgetName[] = [];
  const proxy = await startModelProxy({
    upstream: upstream.url,
    apiKey: API_KEY,
    ...options,
    onBudgetExceeded: (name) => stops.push(name),
  });
  try {
    await body(proxy, stops);
  } finally {
    await proxy.close();
  }
}

async function call(proxy: ModelProxy, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${proxy.url}${path}`, {
    method,
    headers: { "x-api-key": proxy.sessionKey, "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

describe("proxyRoute", () => {
  it("passes only POST to the Messages endpoints, whatever the query", () => {
    expect(proxyRoute("POST", "/v1/messages")).toEqual({ kind: "messages" });
    expect(proxyRoute("POST", "/v1/messages?beta=true")).toEqual({ kind: "messages" });
    expect(proxyRoute("POST", "/v1/messages/count_tokens")).toEqual({ kind: "count_tokens" });
    expect(proxyRoute("GET", "/v1/messages")).toMatchObject({ kind: "refused", status: 405 });
    expect(proxyRoute("GET", "/v1/organizations/users")).toMatchObject({ kind: "refused", status: 404 });
    expect(proxyRoute("POST", "/v1/messages/batches")).toMatchObject({ kind: "refused", status: 404 });
    expect(proxyRoute("POST", "/v1/messages/../files")).toMatchObject({ kind: "refused", status: 404 });
  });
});

describe("model proxy limits", () => {
  it("refuses every other method and path without calling the provider", async () => {
    await withProxy({}, async (proxy) => {
      const before = upstream.requests.length;
      const refused = [
        await call(proxy, "GET", "/v1/organizations/users"),
        await call(proxy, "DELETE", "/v1/files/file_123"),
        await call(proxy, "POST", "/v1/files", { purpose: "x" }),
        await call(proxy, "GET", "/v1/messages"),
        await call(proxy, "POST", "/v1/messages/batches", { requests: [] }),
      ];
      expect(refused.map((r) => r.status)).toEqual([404, 404, 404, 405, 404]);
      expect(refused[0]!.text).toContain("only POST /v1/messages and POST /v1/messages/count_tokens");
      expect(upstream.requests.length).toBe(before);
      expect(proxy.usage().turns).toBe(0);
      // The allowed ones still pass: token counting (not a turn, no tokens used) and a model request.
      expect((await call(proxy, "POST", "/v1/messages/count_tokens", { model: "m", messages: [] })).status).toBe(200);
      expect((await call(proxy, "POST", "/v1/messages", { model: "m", stream: true, messages: [] })).status).toBe(200);
      expect(upstream.requests.slice(before).map((r) => r.path)).toEqual(["/v1/messages/count_tokens", "/v1/messages"]);
      expect(proxy.usage()).toEqual({ turns: 1, inputTokens: 400, outputTokens: 100 });
    });
  });

  it("counts a non-streaming answer's usage against the token budget", async () => {
    await withProxy({ budget: { tokens: 450 } }, async (proxy, stops) => {
      const first = await call(proxy, "POST", "/v1/messages", { model: "m", messages: [] });
      expect(first.status).toBe(200);
      expect(JSON.parse(first.text)).toMatchObject({ usage: { input_tokens: 400, output_tokens: 100 } });
      expect(proxy.usage()).toEqual({ turns: 1, inputTokens: 400, outputTokens: 100 });
      expect(stops).toEqual(["tokens"]);
      const before = upstream.requests.length;
      const second = await call(proxy, "POST", "/v1/messages", { model: "m", messages: [] });
      expect(second.status).toBe(400);
      expect(second.text).toContain("tokens budget is used up");
      expect(upstream.requests.length).toBe(before);
    });
  });

  it("refuses a body declared larger than the limit, without forwarding it", async () => {
    await withProxy({ maxRequestBytes: 1024 }, async (proxy) => {
      const before = upstream.requests.length;
      const big = await call(proxy, "POST", "/v1/messages", { model: "m", messages: [{ role: "user", content: "x".repeat(5000) }] });
      expect(big.status).toBe(413);
      expect(big.text).toContain("larger than 1024 bytes");
      expect(upstream.requests.length).toBe(before);
      expect(proxy.usage().turns).toBe(0);
      expect((await call(proxy, "POST", "/v1/messages", { model: "m", messages: [] })).status).toBe(200);
    });
  });

  it("stops reading a chunked body at the limit and answers 413 before the body ends", async () => {
    await withProxy({ maxRequestBytes: 1024 }, async (proxy) => {
      const before = upstream.requests.length;
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          `${proxy.url}/v1/messages`,
          { method: "POST", headers: { "x-api-key": proxy.sessionKey, "transfer-encoding": "chunked" } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        // Never ended: the proxy must answer from what it read so far.
        req.write(Buffer.alloc(4096, "a"));
      });
      expect(status).toBe(413);
      expect(upstream.requests.length).toBe(before);
    });
  });
});
