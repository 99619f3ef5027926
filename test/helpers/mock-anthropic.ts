import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Anthropic's Messages API (`POST /v1/messages`, streaming SSE or one JSON answer; `POST /v1/messages/count_tokens`) as a real HTTP server on 127.0.0.1, scripted per
 * test: each request gets the next reply of the script. A reply is a tool call (pi's tools: read, edit, bash,
 * write), a final text, or an API error. No internet, no real model.
 */
export type MockReply =
  | { tool: string; input: Record<string, unknown>; usage?: MockUsage }
  | { text: string; usage?: MockUsage }
  | { error: { status: number; type: string; message: string } };

export interface MockUsage {
  input: number;
  output: number;
}

/** One request as the server saw it: the parsed JSON body and the headers that matter. */
export interface MockRequest {
  path: string;
  apiKey: string | undefined;
  body: {
    model?: string;
    messages?: Array<{ role: string; content: unknown }>;
    system?: unknown;
    stream?: boolean;
  };
  /** The whole body as text, for "does it contain ..." assertions. */
  raw: string;
}

export interface MockAnthropic {
  url: string;
  port: number;
  requests: MockRequest[];
  close(): Promise<void>;
}

const DEFAULT_USAGE: MockUsage = { input: 100, output: 20 };

function sse(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function streamReply(res: ServerResponse, reply: Exclude<MockReply, { error: unknown }>, n: number, model: string): void {
  const usage = reply.usage ?? DEFAULT_USAGE;
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  sse(res, "message_start", {
    type: "message_start",
    message: {
      id: `msg_${n}`,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: usage.input, output_tokens: 1 },
    },
  });
  if ("tool" in reply) {
    sse(res, "content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "tool_use", id: `toolu_${n}`, name: reply.tool, input: {} },
    });
    sse(res, "content_block_delta", {
      type: "content_block_delta",
      index: 0,
      delta: { type: "input_json_delta", partial_json: JSON.stringify(reply.input) },
    });
  } else {
    sse(res, "content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
    sse(res, "content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: reply.text } });
  }
  sse(res, "content_block_stop", { type: "content_block_stop", index: 0 });
  sse(res, "message_delta", {
    type: "message_delta",
    delta: { stop_reason: "tool" in reply ? "tool_use" : "end_turn", stop_sequence: null },
    usage: { output_tokens: usage.output },
  });
  sse(res, "message_stop", { type: "message_stop" });
  res.end();
}

/** The same reply as one JSON message (a request without `stream: true`), with its usage in the `usage` field. */
function jsonReply(res: ServerResponse, reply: Exclude<MockReply, { error: unknown }>, n: number, model: string): void {
  const usage = reply.usage ?? DEFAULT_USAGE;
  const content =
    "tool" in reply ? [{ type: "tool_use", id: `toolu_${n}`, name: reply.tool, input: reply.input }] : [{ type: "text", text: reply.text }];
  res.writeHead(200, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      id: `msg_${n}`,
      type: "message",
      role: "assistant",
      model,
      content,
      stop_reason: "tool" in reply ? "tool_use" : "end_turn",
      stop_sequence: null,
      usage: { input_tokens: usage.input, output_tokens: usage.output },
    }),
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Starts the mock. `script` is either a list (request i gets reply i; past the end, a final "done" text) or a
 * function of the request index (for a model that never stops). Requests without the right `x-api-key` get 401.
 */
export async function startMockAnthropic(params: {
  apiKey: string;
  script: MockReply[] | ((index: number, request: MockRequest) => MockReply);
  /** Loopback address to listen on; a sandboxed CLI reaches 127.0.0.1 only as its own loopback (see test/helpers/agent-clis.ts). */
  host?: string;
}): Promise<MockAnthropic> {
  const requests: MockRequest[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const path = (req.url ?? "").split("?")[0] ?? "";
      let body: MockRequest["body"] = {};
      try {
        body = JSON.parse(raw) as MockRequest["body"];
      } catch {
        // recorded as is; the 400 below says why
      }
      const apiKey = typeof req.headers["x-api-key"] === "string" ? req.headers["x-api-key"] : undefined;
      const request: MockRequest = { path, apiKey, body, raw };
      requests.push(request);
      const fail = (status: number, type: string, message: string) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ type: "error", error: { type, message } }));
      };
      if (req.method === "POST" && path === "/v1/messages/count_tokens") {
        if (apiKey !== params.apiKey) return fail(401, "authentication_error", "invalid x-api-key");
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify({ input_tokens: raw.length }));
      }
      if (req.method !== "POST" || path !== "/v1/messages") return fail(404, "not_found_error", `no route ${req.method} ${path}`);
      if (apiKey !== params.apiKey) return fail(401, "authentication_error", "invalid x-api-key");
      const index = requests.filter((r) => r.path === "/v1/messages" && r.apiKey === params.apiKey).length - 1;
      const reply = typeof params.script === "function" ? params.script(index, request) : (params.script[index] ?? { text: "Done." });
      if ("error" in reply) return fail(reply.error.status, reply.error.type, reply.error.message);
      if (body.stream) streamReply(res, reply, index + 1, body.model ?? "unknown");
      else jsonReply(res, reply, index + 1, body.model ?? "unknown");
    })().catch((error: unknown) => {
      res.destroy(error as Error);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, params.host ?? "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${params.host ?? "127.0.0.1"}:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The text of every tool result pi sent back in a request (what its tools printed), joined. */
export function toolResults(request: MockRequest): string {
  const out: string[] = [];
  for (const message of request.body.messages ?? []) {
    if (!Array.isArray(message.content)) continue;
    for (const block of message.content as Array<{ type?: string; content?: unknown }>) {
      if (block.type !== "tool_result") continue;
      if (typeof block.content === "string") out.push(block.content);
      else if (Array.isArray(block.content)) out.push(...(block.content as Array<{ text?: string }>).map((c) => c.text ?? ""));
    }
  }
  return out.join("\n");
}
