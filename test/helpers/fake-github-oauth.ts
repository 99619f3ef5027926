import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A person as the fake GitHub knows them: the App's installations they can see, and their permission on each repository. */
export interface FakeOAuthUser {
  installations: Array<{ id: number; repos: Array<{ fullName: string; push: boolean; admin?: boolean }> }>;
}

export interface FakeOAuthParams {
  clientId: string;
  clientSecret: string;
  users: Record<string, FakeOAuthUser>;
}

/** The OAuth routes, to mount in a server (the fake GitHub the bot talks to: startFakeGitHub's `oauth`). */
export interface FakeOAuthRoutes {
  /** Who the next visit to /login/oauth/authorize signs in; "deny": the person refuses (error=access_denied). */
  signInAs(login: string | "deny"): void;
  /** Answers an OAuth or user-token route (`rawBody`: the request's body, already read); false when not one of them. */
  handle(req: IncomingMessage, res: ServerResponse, rawBody: string): boolean;
  /** User tokens handed out so far (to check that none ends up in a cookie or a page). */
  readonly tokens: string[];
}

export interface FakeGitHubOAuth extends FakeOAuthRoutes {
  /** Web and API base (the API also answers under `/api/v3`, as on GHES). */
  url: string;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
  return true;
}

function parseBody(req: IncomingMessage, text: string): Record<string, string> {
  if (String(req.headers["content-type"]).includes("json")) return JSON.parse(text) as Record<string, string>;
  return Object.fromEntries(new URLSearchParams(text));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

function page<T>(items: T[], query: URLSearchParams): T[] {
  const perPage = Number(query.get("per_page") ?? 30);
  const n = Number(query.get("page") ?? 1);
  return items.slice((n - 1) * perPage, n * perPage);
}

/** `/user`, `/user/installations`, `/user/installations/:id/repositories` for a signed-in person. */
function userApi(res: ServerResponse, path: string, url: URL, login: string, user: FakeOAuthUser): true {
  if (path === "/user") return json(res, 200, { login, id: 1, type: "User" });
  if (path === "/user/installations") {
    const all = user.installations.map((i) => ({ id: i.id }));
    return json(res, 200, { total_count: all.length, installations: page(all, url.searchParams) });
  }
  const m = /^\/user\/installations\/(\d+)\/repositories$/.exec(path);
  const installation = m ? user.installations.find((i) => i.id === Number(m[1])) : undefined;
  if (!installation) return json(res, 404, { message: "Not Found" });
  const repos = installation.repos.map((r) => ({
    full_name: r.fullName,
    permissions: { pull: true, push: r.push, admin: r.admin ?? false },
  }));
  return json(res, 200, { total_count: repos.length, repositories: page(repos, url.searchParams) });
}

/**
 * GitHub's OAuth web flow and the user-token API the runs page uses: /login/oauth/authorize (redirects straight
 * back with a code, as if the person clicked "Authorize"), /login/oauth/access_token, /user, /user/installations
 * and /user/installations/:id/repositories (with `permissions.push`/`admin`); also under `/api/v3`.
 */
export function createFakeOAuthRoutes(params: FakeOAuthParams): FakeOAuthRoutes {
  let next: string | "deny" = Object.keys(params.users)[0] ?? "deny";
  const codes = new Map<string, string>();
  const tokens = new Map<string, string>();
  const authorize = (res: ServerResponse, url: URL): true => {
    const back = new URL(url.searchParams.get("redirect_uri") ?? "");
    if (url.searchParams.get("client_id") !== params.clientId) return json(res, 404, { error: "unknown client" });
    back.searchParams.set("state", url.searchParams.get("state") ?? "");
    if (next === "deny") back.searchParams.set("error", "access_denied");
    else {
      const code = randomBytes(8).toString("hex");
      codes.set(code, next);
      back.searchParams.set("code", code);
    }
    res.writeHead(302, { location: back.href });
    res.end();
    return true;
  };
  const accessToken = (res: ServerResponse, body: Record<string, string>): true => {
    const login = codes.get(body.code ?? "");
    codes.delete(body.code ?? "");
    if (body.client_id !== params.clientId || body.client_secret !== params.clientSecret)
      return json(res, 200, { error: "incorrect_client_credentials" });
    if (!login) return json(res, 200, { error: "bad_verification_code" });
    const token = `ghu_${randomBytes(12).toString("hex")}`;
    tokens.set(token, login);
    return json(res, 200, { access_token: token, token_type: "bearer", scope: "" });
  };
  const handle = (req: IncomingMessage, res: ServerResponse, rawBody: string): boolean => {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname.replace(/^\/api\/v3/, "");
    if (req.method === "GET" && path === "/login/oauth/authorize") return authorize(res, url);
    if (req.method === "POST" && path === "/login/oauth/access_token") return accessToken(res, parseBody(req, rawBody));
    if (req.method !== "GET" || !/^\/user(\/|$)/.test(path)) return false;
    const login = tokens.get(String(req.headers.authorization ?? "").replace(/^(Bearer|token) /, ""));
    const user = login ? params.users[login] : undefined;
    return login && user ? userApi(res, path, url, login, user) : json(res, 401, { message: "Bad credentials" });
  };
  return {
    signInAs: (login) => void (next = login),
    handle,
    get tokens() {
      return [...tokens.keys()];
    },
  };
}

/** The OAuth routes alone on a server of their own on 127.0.0.1. */
export async function startFakeGitHubOAuth(params: FakeOAuthParams): Promise<FakeGitHubOAuth> {
  const routes = createFakeOAuthRoutes(params);
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => routes.handle(req, res, body) || json(res, 404, { message: "Not Found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    signInAs: routes.signInAs,
    handle: routes.handle,
    get tokens() {
      return routes.tokens;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
