import type { ServerResponse } from "node:http";

/**
 * The page's Content-Security-Policy: scripts, styles and fetches from the bot's own origin only, nothing
 * inline, no plugins, no framing, forms only to the bot. An injected `<script>` or `onerror=` would not run even
 * if escaping failed somewhere.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  // The callback's URL carries the OAuth code: never sent on as a Referer.
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

type Headers = Record<string, string | string[]>;

export function sendHtml(res: ServerResponse, status: number, html: string, headers: Headers = {}): true {
  res.writeHead(status, { ...SECURITY_HEADERS, "content-type": "text/html; charset=utf-8", ...headers });
  res.end(html);
  return true;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Headers = {}): true {
  res.writeHead(status, { ...SECURITY_HEADERS, "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
  return true;
}

export function sendAsset(res: ServerResponse, contentType: string, body: string): true {
  res.writeHead(200, { ...SECURITY_HEADERS, "content-type": contentType, "cache-control": "no-cache" });
  res.end(body);
  return true;
}

export function redirect(res: ServerResponse, location: string, headers: Headers = {}): true {
  res.writeHead(302, { ...SECURITY_HEADERS, location, ...headers });
  res.end();
  return true;
}
