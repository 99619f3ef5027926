import { lookup } from "node:dns/promises";
import { chmod, rm } from "node:fs/promises";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
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

function splitHostPort(authority: string, defaultPort: number): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(authority);
  return { host: m?.[1] ?? authority, port: m?.[2] ? Number(m[2]) : defaultPort };
}

export async function startEgressProxy(params: { socketPath: string; policy: EgressPolicy; log?: Logger }): Promise<EgressProxy> {
  const refused: EgressProxy["refused"] = [];
  const sockets = new Set<Socket>();
  const refuse = (host: string, port: number, reason: string) => {
    refused.push({ host, port, reason });
    params.log?.info({ host, port, reason }, "sandbox egress refused");
  };

  const onConnect = async (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    const { host, port } = splitHostPort(req.url ?? "", 443);
    const target = await resolveTarget(params.policy, host, port);
    if (!target.ok) {
      refuse(host, port, target.reason);
      client.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\nfixbot sandbox: ${target.reason}\n`);
      return;
    }
    const upstream = connect(port, target.address, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", (error) => {
      if (!client.destroyed) client.end(`HTTP/1.1 502 Bad Gateway\r\n\r\nfixbot sandbox: ${error.message}\n`);
    });
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end("fixbot sandbox: send absolute URLs through the proxy\n");
      return;
    }
    if (url.protocol !== "http:") {
      res.writeHead(400).end("fixbot sandbox: use CONNECT for https\n");
      return;
    }
    const port = url.port ? Number(url.port) : 80;
    const target = await resolveTarget(params.policy, url.hostname, port);
    if (!target.ok) {
      refuse(url.hostname, port, target.reason);
      res.writeHead(403, { "content-type": "text/plain" }).end(`fixbot sandbox: ${target.reason}\n`);
      return;
    }
    const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: url.host };
    delete headers["proxy-connection"];
    delete headers["proxy-authorization"];
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
  };

  const server: Server = createServer((req, res) => void onRequest(req, res));
  server.on("connect", (req, socket, head) => void onConnect(req, socket as Socket, head));
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
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(params.socketPath, { force: true });
    },
  };
}
