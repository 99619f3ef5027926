import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exceededBudget, type BudgetName, type Usage, type UsageBudget } from "../usage.js";
import { BodyTooLarge, proxyRoute, readBoundedBody, type ProxyRoute } from "./proxy-request.js";
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

/** The agent's request headers as the provider gets them: without this hop's and the agent's credentials, with the real key. Pure. */
export function providerRequestHeaders(headers: IncomingHttpHeaders, apiKey: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!DROP_REQUEST.has(name) && typeof value === "string") out[name] = value;
  }
  out["x-api-key"] = apiKey;
  return out;
}

/** The provider's answer headers as the agent gets them: without those fetch has already acted on. Pure. */
export function agentAnswerHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!DROP_RESPONSE.has(name)) out[name] = value;
  });
  return out;
}

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

type AnswerReader = ReturnType<typeof createAnswerUsageReader>;
/** The endpoints forwarded (proxy-request.ts). */
type ForwardedRoute = Exclude<ProxyRoute, { kind: "refused" }>["kind"];

/** What one proxy has counted (turns, each answer's tokens, also while it streams), its budget stop and the last provider error. */
class ProxyLedger {
  turns = 0;
  lastError: string | undefined;
  stoppedBy: BudgetName | undefined;
  private readonly finished: RequestUsage[] = [];
  private readonly live = new Set<AnswerReader>();

  constructor(
    private readonly budget: UsageBudget,
    private readonly onBudgetExceeded?: (name: BudgetName) => void,
  ) {}

  usage(): Usage {
    const all = [...this.finished, ...[...this.live].map((r) => r.usage())];
    return {
      turns: this.turns,
      inputTokens: all.reduce((n, u) => n + u.inputTokens, 0),
      outputTokens: all.reduce((n, u) => n + u.outputTokens, 0),
    };
  }

  /** Records the first budget used up and tells the caller, once. */
  stop(name: BudgetName): void {
    if (this.stoppedBy) return;
    this.stoppedBy = name;
    this.onBudgetExceeded?.(name);
  }

  /** The budget a request is refused for: any stop so far, or for a model turn the one it would break. */
  refusal(route: ForwardedRoute): BudgetName | undefined {
    // Token counting is free at the provider and not a model turn, but it stops with the rest once a budget is up.
    return this.stoppedBy ?? (route === "messages" ? budgetBeforeRequest(this.usage(), this.budget) : undefined);
  }

  /** A reader for one answer; a counted one adds to usage as it reads and stops at a used-up budget. */
  openAnswer(contentType: string | null, counted: boolean): AnswerReader {
    const reader = createAnswerUsageReader(contentType, () => {
      const over = exceededBudget(this.usage(), this.budget);
      if (over) this.stop(over);
    });
    if (counted) this.live.add(reader);
    return reader;
  }

  closeAnswer(reader: AnswerReader): void {
    reader.end(); // while still live: a JSON answer's usage is checked against the budget here
    this.live.delete(reader);
    this.finished.push(reader.usage());
  }
}

/** What the request handlers of one proxy share. */
interface ProxyContext {
  sessionKey: string;
  upstream: string;
  apiKey: string;
  maxRequestBytes: number;
  /** Aborts requests to the provider when the proxy closes. */
  closing: AbortSignal;
  ledger: ProxyLedger;
}

export async function startModelProxy(params: ModelProxyParams): Promise<ModelProxy> {
  const closing = new AbortController();
  const ledger = new ProxyLedger(params.budget ?? {}, params.onBudgetExceeded);
  const ctx: ProxyContext = {
    sessionKey: `fixbot-session-${randomBytes(24).toString("hex")}`,
    upstream: params.upstream.replace(/\/+$/, ""),
    apiKey: params.apiKey,
    maxRequestBytes: params.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
    closing: closing.signal,
    ledger,
  };
  const server = createServer((req, res) => {
    handle(ctx, req, res).catch((error: unknown) => {
      ledger.lastError ??= `fixbot model proxy: ${(error as Error).message}`;
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
    sessionKey: ctx.sessionKey,
    usage: () => ledger.usage(),
    lastError: () => ledger.lastError,
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const admitted = await admit(ctx, req, res);
  if (!admitted) return;
  if (admitted.route === "messages") ctx.ledger.turns++;
  const answer = await callProvider(ctx, req, admitted.body, res);
  if (answer) await relayAnswer(ctx, admitted.route, answer, res);
}

/** Refuses what must not reach the provider (another endpoint or key, a body too large, a used-up budget); else reads the body. */
async function admit(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<{ route: ForwardedRoute; body: Buffer } | undefined> {
  // Cheap refusals first, before a byte of the body is read; none of them reaches the provider.
  const route = proxyRoute(req.method, req.url);
  if (route.kind === "refused") return void refuse(req, res, route.status, "not_found_error", route.message);
  if (req.headers["x-api-key"] !== ctx.sessionKey)
    return void refuse(req, res, 401, "authentication_error", "fixbot model proxy: wrong session key");
  let body: Buffer;
  try {
    body = await readBoundedBody(req, ctx.maxRequestBytes);
  } catch (error) {
    if (error instanceof BodyTooLarge) return void refuse(req, res, 413, "request_too_large", error.message);
    throw error;
  }
  const over = ctx.ledger.refusal(route.kind);
  if (over) {
    ctx.ledger.stop(over);
    // A 400 is final for the SDK and for pi (no retries): the agent ends its turn and fixbot stops it anyway.
    return void apiError(res, 400, "invalid_request_error", `fixbot: the agent's ${over} budget is used up`);
  }
  return { route: route.kind, body };
}

/** Forwards the request with the real key; a provider out of reach is answered 502 and recorded as the last error. */
async function callProvider(ctx: ProxyContext, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<Response | undefined> {
  try {
    return await fetch(`${ctx.upstream}${req.url ?? ""}`, {
      method: "POST",
      headers: providerRequestHeaders(req.headers, ctx.apiKey),
      body: new Uint8Array(body),
      signal: ctx.closing,
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    ctx.ledger.lastError = `Connection error: cannot reach ${ctx.upstream} (${cause})`;
    apiError(res, 502, "api_error", ctx.ledger.lastError);
    return undefined;
  }
}

/** Passes the provider's answer on: an error is recorded as the last error; a Messages answer's usage is counted as it streams. */
async function relayAnswer(ctx: ProxyContext, route: ForwardedRoute, answer: Response, res: ServerResponse): Promise<void> {
  const headers = agentAnswerHeaders(answer.headers);
  if (!answer.ok) {
    const text = await answer.text().catch(() => "");
    ctx.ledger.lastError = `${answer.status} ${text}`.trim();
    res.writeHead(answer.status, headers);
    res.end(text);
    return;
  }
  ctx.ledger.lastError = undefined;
  res.writeHead(answer.status, headers);
  // A count_tokens answer reports tokens it would take, not tokens used: it is passed through uncounted.
  const counted = route === "messages";
  const reader = ctx.ledger.openAnswer(answer.headers.get("content-type"), counted);
  try {
    const decoder = new TextDecoder();
    for await (const chunk of answer.body ?? []) {
      reader.push(decoder.decode(chunk as Uint8Array, { stream: true }));
      res.write(chunk);
    }
  } finally {
    if (counted) ctx.ledger.closeAnswer(reader);
    res.end();
  }
}
