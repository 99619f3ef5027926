import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * OpenAI's Responses API (`POST /v1/responses`, streamed as server-sent events), the wire Codex speaks to a model
 * provider, as a real HTTP server on a loopback address, scripted per test: each request gets the reply the script
 * returns for it. A reply is a function call (Codex's tools: `exec_command` with `{cmd}`) or a final message, with
 * the usage reported in `response.completed`. Other routes (Codex's WebSocket attempt) get 404.
 */
export type ResponsesReply =
  | { call: string; arguments: Record<string, unknown>; usage?: { input: number; output: number } }
  | { text: string; usage?: { input: number; output: number } };

export interface ResponsesRequest {
  path: string;
  authorization: string | undefined;
  body: { model?: string; input?: Array<{ type?: string; role?: string; output?: unknown }>; tools?: Array<{ name?: string }> };
}

export interface MockResponses {
  url: string;
  port: number;
  requests: ResponsesRequest[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** How many tool results the request sends back: the number of calls answered so far. */
export function callsAnswered(request: ResponsesRequest): number {
  return (request.body.input ?? []).filter((item) => item.type === "function_call_output").length;
}

export async function startMockResponses(params: {
  apiKey: string;
  host?: string;
  script: (index: number, request: ResponsesRequest) => ResponsesReply;
}): Promise<MockResponses> {
  const requests: ResponsesRequest[] = [];
  const host = params.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const path = (req.url ?? "").split("?")[0] ?? "";
      if (req.method !== "POST" || !path.endsWith("/responses")) return void res.writeHead(404).end();
      let body: ResponsesRequest["body"] = {};
      try {
        body = JSON.parse(raw) as ResponsesRequest["body"];
      } catch {
        return void res.writeHead(400).end("not JSON");
      }
      const request: ResponsesRequest = { path, authorization: req.headers.authorization, body };
      requests.push(request);
      if (request.authorization !== `Bearer ${params.apiKey}`)
        return void res.writeHead(401, { "content-type": "application/json" }).end('{"error":{"message":"bad key"}}');
      const n = requests.length;
      const reply = params.script(n - 1, request);
      const usage = reply.usage ?? { input: 100, output: 20 };
      const item =
        "call" in reply
          ? { type: "function_call", name: reply.call, arguments: JSON.stringify(reply.arguments), call_id: `call_${n}` }
          : { type: "message", role: "assistant", id: `msg_${n}`, content: [{ type: "output_text", text: reply.text }] };
      res.writeHead(200, { "content-type": "text/event-stream" });
      const event = (data: { type: string } & Record<string, unknown>) =>
        res.write(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`);
      event({ type: "response.created", response: { id: `resp_${n}` } });
      event({ type: "response.output_item.done", output_index: 0, item });
      const total = usage.input + usage.output;
      event({
        type: "response.completed",
        response: {
          id: `resp_${n}`,
          usage: {
            input_tokens: usage.input,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: usage.output,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: total,
          },
        },
      });
      res.end();
    })().catch((error: unknown) => res.destroy(error as Error));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/v1`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
