import { lookup } from "node:dns/promises";
import { chmod, rm } from "node:fs/promises";
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { connect, isIP, type Socket } from "node:net";
import type { Logger } from "pino";
import { decideEgress, isInternalAddress, type EgressPolicy } from "./egress-policy.js";

/**
 * The sandbox's only way out: an HTTP proxy on a unix socket that fixbot binds into the sandbox (a bridge inside
 * turns it into 127.0.0.1:3128 there). It tunnels CONNECT (HTTPS) and forwards plain HTTP requests to hosts the
 * policy allows, after resolving them itself, so a name that resolves to a loopback or private address (DNS
 * rebinding, `localtest.me`) is refused like the address itself. One proxy per sandboxed command.
 */
export interface EgressProxy {
  socketPath: string;
  /** Requests refused so far (host and reason), for the log and tests. */
  refused: Array<{ host: string; port: number; reason: string }>;
  close(): Promise<void>;
}

type Resolved = { ok: true; address: string } | { ok: false; reason: string };

async function resolveTarget(policy: EgressPolicy, host: string, port: number): Promise<Resolved> {
  const decision = decideEgress(policy, host, port);
  if (!decision.allowed) return { ok: false, reason: decision.reason };
  const name = host.replace(/^\[|\]$/g, "");
  if (isIP(name)) return { ok: true, address: name };
  try {
    const { address } = await lookup(name);
    if (!decision.explicit && isInternalAddress(address))
      return { ok: false, reason: `${name} resolves to the internal address ${address}` };
    return { ok: true, address };
  } catch (error) {
    return { ok: false, reason: `cannot resolve ${name}: ${(error as Error).message}` };
  }
}

/** A CONNECT target's host (IPv6 in brackets) and port (pure). */
export function splitHostPort(authority: string, defaultPort: number): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(authority);
  return { host: m?.[1] ?? authority, port: m?.[2] ? Number(m[2]) : defaultPort };
}

/** Where a plain-HTTP proxy request goes, or why it is not forwarded: only absolute http:// URLs are (pure). */
export function httpTarget(requestUrl: string | undefined): { ok: true; url: URL; port: number } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(requestUrl ?? "");
  } catch {
    return { ok: false, message: "fixbot sandbox: send absolute URLs through the proxy\n" };
  }
  if (url.protocol !== "http:") return { ok: false, message: "fixbot sandbox: use CONNECT for https\n" };
  return { ok: true, url, port: url.port ? Number(url.port) : 80 };
}

/** The request's headers as the upstream gets them: its own Host, and nothing meant for the proxy (pure). */
export function forwardedHeaders(headers: IncomingHttpHeaders, host: string): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = { ...headers, host };
  delete out["proxy-connection"];
  delete out["proxy-authorization"];
  return out;
}

/** What the handlers of one proxy share. */
interface ProxyState {
  policy: EgressPolicy;
  /** Open connections, destroyed on close. */
  sockets: Set<Socket>;
  refuse(host: string, port: number, reason: string): void;
}

function track(sockets: Set<Socket>, socket: Socket): void {
  sockets.add(socket);
  socket.on("close", () => sockets.delete(socket));
}

/** CONNECT (HTTPS): tunnels to the resolved address, or answers 403 naming why not. */
async function tunnel(state: ProxyState, req: IncomingMessage, client: Socket, head: Buffer): Promise<void> {
  track(state.sockets, client);
  client.on("error", () => client.destroy());
  const { host, port } = splitHostPort(req.url ?? "", 443);
  const target = await resolveTarget(state.policy, host, port);
  if (!target.ok) {
    state.refuse(host, port, target.reason);
    client.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\nfixbot sandbox: ${target.reason}\n`);
    return;
  }
  const upstream = connect(port, target.address, () => {
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  track(state.sockets, upstream);
  upstream.on("error", (error) => {
    if (!client.destroyed) client.end(`HTTP/1.1 502 Bad Gateway\r\n\r\nfixbot sandbox: ${error.message}\n`);
  });
}

/** A plain HTTP request: forwarded to the resolved address, or answered 400/403 naming why not. */
async function forward(state: ProxyState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const parsed = httpTarget(req.url);
  if (!parsed.ok) {
    res.writeHead(400).end(parsed.message);
    return;
  }
  const { url, port } = parsed;
  const target = await resolveTarget(state.policy, url.hostname, port);
  if (!target.ok) {
    state.refuse(url.hostname, port, target.reason);
    res.writeHead(403, { "content-type": "text/plain" }).end(`fixbot sandbox: ${target.reason}\n`);
    return;
  }
  const headers = forwardedHeaders(req.headers, url.host);
  const upstream = httpRequest(
    { host: target.address, port, method: req.method, path: `${url.pathname}${url.search}`, headers, setHost: false },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", (error) => {
    if (!res.headersSent) res.writeHead(502).end(`fixbot sandbox: ${error.message}\n`);
    else res.destroy();
  });
  req.pipe(upstream);
}

export async function startEgressProxy(params: { socketPath: string; policy: EgressPolicy; log?: Logger }): Promise<EgressProxy> {
  const refused: EgressProxy["refused"] = [];
  const state: ProxyState = {
    policy: params.policy,
    sockets: new Set<Socket>(),
    refuse: (host, port, reason) => {
      refused.push({ host, port, reason });
      params.log?.info({ host, port, reason }, "sandbox egress refused");
    },
  };
  const server: Server = createServer((req, res) => void forward(state, req, res));
  server.on("connect", (req, socket, head) => void tunnel(state, req, socket as Socket, head));
  server.on("clientError", (_error, socket) => socket.destroy());
  await rm(params.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(params.socketPath, () => resolve());
  });
  // The sandbox's uid is not fixbot's: it needs write permission to connect to the socket.
  await chmod(params.socketPath, 0o666);
  return {
    socketPath: params.socketPath,
    refused,
    async close() {
      for (const s of state.sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(params.socketPath, { force: true });
    },
  };
}
