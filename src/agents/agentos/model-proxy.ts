import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exceededBudget, type BudgetName, type Usage, type UsageBudget } from "../usage.js";
import { BodyTooLarge, proxyRoute, readBoundedBody } from "./proxy-request.js";
import { createAnswerUsageReader, type RequestUsage } from "./sse-usage.js";

/**
 * fixbot's side of the agent's model traffic. pi inside the VM talks to this loopback proxy with a one-off session
 * key; the proxy forwards to the real provider with the real API key. So the key never enters the VM (where pi's
 * bash tool could print it), every model request is a counted turn, the provider's reported usage is counted as
 * it streams (or from a non-streaming answer's `usage`), only the Messages endpoints are forwarded, request bodies
 * are read up to a limit, a request past the turn budget is refused before it costs anything, and a provider error is seen
 * as an HTTP status instead of being guessed from the agent's last words.
 */
export interface ModelProxy {
  /** Base URL for the agent (ANTHROPIC_BASE_URL inside the VM). */
  url: string;
  port: number;
  /** The only key the proxy accepts: give it to the agent instead of the real one. */
  sessionKey: string;
  /** Turns (requests forwarded) and tokens reported so far. */
  usage(): Usage;
  /** The provider's error on the latest request, "<status> <body>"; cleared by a later successful request. */
  lastError(): string | undefined;
  close(): Promise<void>;
}

export interface ModelProxyParams {
  /** The provider's base URL, e.g. https://api.anthropic.com (requests keep their path, e.g. /v1/messages). */
  upstream: string;
  apiKey: string;
  budget?: UsageBudget;
  /** Called once when a budget is used up; the caller stops the agent. */
  onBudgetExceeded?: (name: BudgetName) => void;
  /** Largest request body forwarded, in bytes (default 32 MiB, the provider's own request limit); larger: 413. */
  maxRequestBytes?: number;
}

export const DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024;

/** Which budget one more model request would break (turns), or which is used up already (tokens, cost). Pure. */
export function budgetBeforeRequest(used: Usage, budget: UsageBudget): BudgetName | undefined {
  return exceededBudget({ ...used, turns: (used.turns ?? 0) + 1 }, budget);
}

/** Request headers that describe this hop or carry credentials: never forwarded. */
const DROP_REQUEST = new Set([
  "host",
  "connection",
  "content-length",
  "x-api-key",
  "authorization",
  "accept-encoding",
  "keep-alive",
  "transfer-encoding",
]);
/** Response headers fetch has already dealt with (it decompresses and de-chunks). */
const DROP_RESPONSE = new Set(["content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"]);

function apiError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ type: "error", error: { type, message } }));
}

/** Answers a refused request and closes the connection: an unread body is never read, and never forwarded. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, type: string, message: string): void {
  res.setHeader("connection", "close");
  apiError(res, status, type, message);
  res.once("finish", () => req.destroy());
}

export async function startModelProxy(params: ModelProxyParams): Promise<ModelProxy> {
  const sessionKey = `fixbot-session-${randomBytes(24).toString("hex")}`;
  const upstream = params.upstream.replace(/\/+$/, "");
  const budget = params.budget ?? {};
  const finished: RequestUsage[] = [];
  const live = new Set<{ usage(): RequestUsage }>();
  let turns = 0;
  let lastError: string | undefined;
  let stoppedBy: BudgetName | undefined;
  const closing = new AbortController();
  const maxRequestBytes = params.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;

  const usage = (): Usage => {
    const all = [...finished, ...[...live].map((r) => r.usage())];
    return { turns, inputTokens: all.reduce((n, u) => n + u.inputTokens, 0), outputTokens: all.reduce((n, u) => n + u.outputTokens, 0) };
  };
  const stop = (name: BudgetName) => {
    if (stoppedBy) return;
    stoppedBy = name;
    params.onBudgetExceeded?.(name);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Cheap refusals first, before a byte of the body is read; none of them reaches the provider.
    const route = proxyRoute(req.method, req.url);
    if (route.kind === "refused") return refuse(req, res, route.status, "not_found_error", route.message);
    if (req.headers["x-api-key"] !== sessionKey)
      return refuse(req, res, 401, "authentication_error", "fixbot model proxy: wrong session key");
    let body: Buffer;
    try {
      body = await readBoundedBody(req, maxRequestBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) return refuse(req, res, 413, "request_too_large", error.message);
      throw error;
    }
    // Token counting is free at the provider and not a model turn, but it stops with the rest once a budget is up.
    const over = stoppedBy ?? (route.kind === "messages" ? budgetBeforeRequest(usage(), budget) : undefined);
    if (over) {
      stop(over);
      // A 400 is final for the SDK and for pi (no retries): the agent ends its turn and fixbot stops it anyway.
      return apiError(res, 400, "invalid_request_error", `fixbot: the agent's ${over} budget is used up`);
    }
    if (route.kind === "messages") turns++;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!DROP_REQUEST.has(name) && typeof value === "string") headers[name] = value;
    }
    headers["x-api-key"] = params.apiKey;
    let upstreamRes: Response;
    try {
      upstreamRes = await fetch(`${upstream}${req.url ?? ""}`, {
        method: "POST",
        headers,
        body: new Uint8Array(body),
        signal: closing.signal,
      });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
      lastError = `Connection error: cannot reach ${upstream} (${cause})`;
      return apiError(res, 502, "api_error", lastError);
    }
    const outHeaders: Record<string, string> = {};
    upstreamRes.headers.forEach((value, name) => {
      if (!DROP_RESPONSE.has(name)) outHeaders[name] = value;
    });
    if (!upstreamRes.ok) {
      const text = await upstreamRes.text().catch(() => "");
      lastError = `${upstreamRes.status} ${text}`.trim();
      res.writeHead(upstreamRes.status, outHeaders);
      res.end(text);
      return;
    }
    lastError = undefined;
    res.writeHead(upstreamRes.status, outHeaders);
    // A count_tokens answer reports tokens it would take, not tokens used: it is passed through uncounted.
    const counted = route.kind === "messages";
    const reader = createAnswerUsageReader(upstreamRes.headers.get("content-type"), () => {
      const over = exceededBudget(usage(), budget);
      if (over) stop(over);
    });
    if (counted) live.add(reader);
    try {
      const decoder = new TextDecoder();
      for await (const chunk of upstreamRes.body ?? []) {
        reader.push(decoder.decode(chunk as Uint8Array, { stream: true }));
        res.write(chunk);
      }
    } finally {
      if (counted) {
        reader.end(); // while still live: a JSON answer's usage is checked against the budget here
        live.delete(reader);
        finished.push(reader.usage());
      }
      res.end();
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      lastError ??= `fixbot model proxy: ${(error as Error).message}`;
      if (!res.headersSent) apiError(res, 502, "api_error", "fixbot model proxy failed");
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    sessionKey,
    usage,
    lastError: () => lastError,
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
