import type { IncomingMessage } from "node:http";

/** GitHub caps webhook payloads at 25 MB; anything bigger is not from GitHub and is refused while it is read. */
export const MAX_WEBHOOK_BODY_BYTES = 25 * 1024 * 1024;

export type BodyResult = { ok: true; text: string } | { ok: false; status: 413; reason: string };

/**
 * Reads a request body, refusing it as soon as it is known to exceed `maxBytes`: at once from a too-large
 * `content-length`, or when the bytes read pass the limit (chunked bodies). Memory stays bounded by the limit;
 * the signature is checked afterwards on the text, so nothing unsigned is ever buffered beyond it.
 */
export function readBoundedBody(req: IncomingMessage, maxBytes: number = MAX_WEBHOOK_BODY_BYTES): Promise<BodyResult> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.resolve({ ok: false, status: 413, reason: `content-length ${declared} exceeds the webhook limit of ${maxBytes} bytes` });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        req.off("data", onData);
        req.pause();
        chunks.length = 0;
        resolve({ ok: false, status: 413, reason: `the body exceeds the webhook limit of ${maxBytes} bytes` });
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => {
      if (!done) resolve({ ok: true, text: Buffer.concat(chunks, size).toString("utf8") });
    });
    req.once("error", (error) => {
      if (!done) reject(error);
    });
  });
}
