import type { IncomingMessage } from "node:http";

/**
 * What the model proxy lets through to the provider: only the endpoints pi needs. Everything else the provider
 * offers with the operator's key (files, batches, admin APIs) stays out of reach of whatever runs in the VM.
 */
export type ProxyRoute = { kind: "messages" | "count_tokens" } | { kind: "refused"; status: 404 | 405; message: string };

const ROUTES: Record<string, "messages" | "count_tokens"> = {
  "/v1/messages": "messages",
  "/v1/messages/count_tokens": "count_tokens",
};

/** Decides a request's route from its method and URL (the query, e.g. `?beta=true`, does not matter). Pure. */
export function proxyRoute(method: string | undefined, url: string | undefined): ProxyRoute {
  const path = (url ?? "").split("?")[0] ?? "";
  const kind = ROUTES[path];
  if (!kind)
    return {
      kind: "refused",
      status: 404,
      message: `fixbot model proxy: ${path || "/"} is not forwarded (only POST /v1/messages and POST /v1/messages/count_tokens are)`,
    };
  if (method !== "POST")
    return { kind: "refused", status: 405, message: `fixbot model proxy: ${method ?? "?"} ${path} is not allowed (only POST)` };
  return { kind };
}

/** The request body is larger than the proxy accepts. */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`fixbot model proxy: the request body is larger than ${limit} bytes`);
  }
}

/**
 * Reads a request body, but never more than `limit` bytes: a declared Content-Length past the limit is refused
 * before reading anything, and a chunked body is refused as soon as it passes the limit (reading pauses there;
 * the stream is left open so the caller can still answer 413, then close the connection).
 */
export function readBoundedBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge(limit));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error?: Error) => {
      req.off("data", onData).off("end", onEnd).off("error", done);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.pause();
      done(new BodyTooLarge(limit));
    };
    const onEnd = () => done();
    req.on("data", onData).on("end", onEnd).on("error", done);
  });
}
