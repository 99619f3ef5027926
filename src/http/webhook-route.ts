import type { IncomingMessage, ServerResponse } from "node:http";
import { createNodeMiddleware, type Webhooks } from "@octokit/webhooks";
import type { Logger } from "pino";
import { MAX_WEBHOOK_BODY_BYTES, readBoundedBody } from "./webhook-body.js";

/**
 * How long the webhook route waits for the handlers (the inbox's durable record) before answering. Probot's
 * default is 9 s, after which it answers 202 whether or not the delivery was recorded; fixbot answers 2xx only
 * once the delivery is recorded, and 5xx when recording failed (GitHub then marks it failed and the catch-up
 * at start asks for it again).
 */
const ANSWER_AFTER_RECORDED_MS = 10 * 60_000;

/**
 * The webhook route in place of Probot's: the body is read with a limit before anything else (GitHub caps
 * payloads at 25 MB), then @octokit/webhooks' own middleware verifies the signature and runs the handlers,
 * reading the body from `request.body` instead of the stream. Returns true when it answered the request.
 */
export function createWebhookRoute(params: { webhooks: Webhooks; path: string; log: Logger; maxBytes?: number }) {
  const verifyAndRun = createNodeMiddleware(params.webhooks, { path: params.path, log: params.log, timeout: ANSWER_AFTER_RECORDED_MS });
  const path = pathOf(params.path);
  return async (req: IncomingMessage & { body?: unknown }, res: ServerResponse): Promise<boolean> => {
    if (req.method !== "POST" || pathOf(req.url) !== path) return verifyAndRun(req, res);
    const body = await readBoundedBody(req, params.maxBytes ?? MAX_WEBHOOK_BODY_BYTES);
    if (!body.ok) {
      params.log.warn({ deliveryId: req.headers["x-github-delivery"], reason: body.reason }, "webhook refused: body too large");
      res.writeHead(body.status, { "content-type": "application/json", connection: "close" });
      // Close once answered: the rest of the body is never read.
      res.end(JSON.stringify({ error: body.reason }), () => req.destroy());
      return true;
    }
    req.body = body.text;
    return verifyAndRun(req, res);
  };
}

function pathOf(url: string | undefined): string {
  try {
    return new URL(url ?? "/", "http://localhost").pathname.replace(/\/+$/, "") || "/";
  } catch {
    return "";
  }
}
