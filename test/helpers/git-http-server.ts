import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback git server: `git http-backend` (smart HTTP) behind a tiny node http server, serving the bare
 * repositories under `root`. It records every request (which token it carried, whether a pack was sent and how
 * many bytes), so tests and the clone bench can see what a fetch cost the remote. With `token` set, a request
 * without `Authorization: Basic x-access-token:<token>` gets 401, as GitHub does for a private repository.
 */
export interface GitRequest {
  method: string;
  path: string;
  /** The token of the request's Basic authorization, if any. */
  token?: string;
  /** True when the answer carried a pack (the remote sent objects). */
  pack: boolean;
  bytes: number;
}

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>/<name>` for a repository `<root>/<name>`. */
  urlFor(name: string): string;
  requests: GitRequest[];
  /** Upload-pack answers that carried objects. */
  packsSent(): GitRequest[];
  close(): Promise<void>;
}

const PACK_SIGNATURE = Buffer.from("PACK\0\0\0", "latin1");

function tokenOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization ?? "";
  if (!header.startsWith("Basic ")) return undefined;
  const [, token] = Buffer.from(header.slice(6), "base64").toString("utf8").split(":");
  return token;
}

function serve(root: string, req: IncomingMessage, res: ServerResponse, record: (r: GitRequest) => void): void {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const child = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? "GET",
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"]) } : {}),
      ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
      REMOTE_ADDR: "127.0.0.1",
    },
    stdio: ["pipe", "pipe", "ignore"],
  });
  req.pipe(child.stdin);
  const chunks: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  child.on("close", () => {
    const out = Buffer.concat(chunks);
    const end = out.indexOf("\r\n\r\n");
    const head = out.subarray(0, end).toString("latin1");
    const body = out.subarray(end + 4);
    const headers: Record<string, string> = {};
    for (const line of head.split("\r\n")) {
      const at = line.indexOf(":");
      if (at > 0) headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    const status = Number(/^(\d{3})/.exec(headers.Status ?? "")?.[1] ?? 200);
    delete headers.Status;
    record({
      method: req.method ?? "GET",
      path: url.pathname,
      token: tokenOf(req),
      pack: url.pathname.endsWith("/git-upload-pack") && body.includes(PACK_SIGNATURE),
      bytes: body.length,
    });
    res.writeHead(status, headers).end(body);
  });
}

export async function startGitHttpServer(params: { root: string; token?: string }): Promise<GitHttpServer> {
  const requests: GitRequest[] = [];
  const server = createServer((req, res) => {
    if (params.token !== undefined && tokenOf(req) !== params.token) {
      requests.push({ method: req.method ?? "GET", path: req.url ?? "/", token: tokenOf(req), pack: false, bytes: 0 });
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' }).end("token required");
      return;
    }
    serve(params.root, req, res, (r) => requests.push(r));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    urlFor: (name) => `http://127.0.0.1:${port}/${name}`,
    requests,
    packsSent: () => requests.filter((r) => r.pack),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
