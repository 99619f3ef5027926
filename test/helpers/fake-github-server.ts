import { createHash, createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { authorFields, createReviewStore, fakeAppBody, type FakeAuthor, type FakeReview } from "./fake-reviews.js";
import { createCheckRunStore, type FakeCheckRun } from "./fake-check-runs.js";
import { createFakeOAuthRoutes, type FakeOAuthParams, type FakeOAuthRoutes } from "./fake-github-oauth.js";
import { createReviewCommentStore, type ReviewCommentStore } from "./fake-review-comments.js";

/**
 * GitHub's REST API as a real HTTP server on 127.0.0.1, for tests that run the bot as a child process. Same
 * routes and state shape as test/helpers/fake-github-nock.ts (that one is in-process), plus several repositories,
 * a timestamped write log and fault injection for durability tests. Served under the GHES prefix `/api/v3` (and
 * GraphQL's `reviewThreads` at `/api/graphql`): start the bot with `GHE_HOST=<host>` and `GHE_PROTOCOL=http`.
 */

/** One comment, with every version of its body (oldest first). */
export interface FakeServerComment {
  id: number;
  /** "owner/name" */
  repo: string;
  issue: number;
  body: string;
  versions: string[];
  /** Date.now() when each version was written (same order as `versions`). */
  versionTimes: number[];
  /** Unset: the App wrote it. */
  author?: FakeAuthor;
}

export interface FakeServerPull {
  /** "owner/name" */
  repo: string;
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  /** The head's sha, for a pull request a test adds (GET /pulls/:n answers it). */
  headSha?: string;
}

/** One request as the server saw it. `path` is the API path without `/api/v3` and without the query string. */
export interface FakeServerRequest {
  method: string;
  path: string;
  /** Query string including "?", or "". */
  query: string;
  status: number;
  /** Date.now() when the request arrived. */
  time: number;
  /** Set when the answer was an injected failure. */
  injected?: boolean;
}

/** One webhook delivery as GitHub's "deliveries for an app webhook" API lists it (plus what a redelivery needs). */
export interface FakeDelivery {
  id: number;
  guid: string;
  event: string;
  action: string | null;
  /** The bot's answer; 0 when it could not be reached (refused, reset, timed out). */
  status_code: number;
  delivered_at: string;
  redelivery: boolean;
  payload: object;
}

/** Where GitHub sends the App's webhooks: the bot process running now. */
export interface WebhookTarget {
  /** Full URL of the webhook endpoint, e.g. http://127.0.0.1:3000/api/github/webhooks */
  url: string;
  secret: string;
}

export interface FakeGitHubServerState {
  comments: FakeServerComment[];
  pulls: FakeServerPull[];
  /** Pull request reviews (the fix flow's chained review). */
  reviews: FakeReview[];
  /** Check runs (the review's and the fix run's), the App's own. */
  checkRuns: FakeCheckRun[];
  /** The query of every GraphQL request (POST /api/graphql), in order. */
  graphqlQueries: string[];
  /** Every request that changed something (and succeeded), in order. */
  writes: Array<{ method: string; path: string; time: number }>;
  /** Every request, in arrival order (answered or not yet), with the status it got. */
  requests: FakeServerRequest[];
  /** Installation tokens issued (POST /app/installations/:id/access_tokens answered 201). */
  tokenRequests: number;
  /** Every installation token issued, so a test can check none leaked into a comment or PR. */
  tokens: string[];
  /** What each token was asked for (GitHub's `repositories` and `permissions` fields), in issue order. */
  tokenScopes: Array<{ token: string; repositories?: string[]; permissions?: Record<string, string> }>;
  /** "METHOD /path?query" of every request no route matched (answered 404). */
  unmatched: string[];
  /** Webhook deliveries GitHub made (recordDelivery / deliverWebhook / redeliveries), oldest first. */
  deliveries: FakeDelivery[];
  /** Delivery ids the bot asked to redeliver (POST /app/hook/deliveries/:id/attempts), in order. */
  redeliveryRequests: number[];
}

export type RequestMatcher = (method: string, path: string) => boolean;

export interface FailOptions {
  /** 403 and 429 are sent as GitHub's secondary rate limit (a `retry-after` header and "secondary rate limit" message). */
  status: 500 | 502 | 403 | 429;
  /** `retry-after` header (seconds). Default 1 for 403/429, none for 5xx. */
  retryAfterSeconds?: number;
  /** Which requests fail; default every request except the token and `/app` calls. Path: API path, no query. */
  match?: RequestMatcher;
  /** Wait this long before sending the failure. */
  delayMs?: number;
  /** Only requests whose raw body passes this test (default: any body). */
  body?: (raw: string) => boolean;
  /**
   * A lost answer: the request is served first (its write happens, as on GitHub), then the failure is sent instead
   * of the real answer. Default false: the request is not served at all.
   */
  afterWrite?: boolean;
  /** Close the connection without any answer instead of sending `status` (a reset the client sees as a network error). */
  drop?: boolean;
}

export interface DelayOptions {
  delayMs: number;
  /** Which requests are delayed (default all). Path: API path, no query. */
  match?: RequestMatcher;
  /** Delay only this many matching requests (default: until removed). */
  times?: number;
  /** Only requests whose raw body passes this test (default: any body). */
  body?: (raw: string) => boolean;
}

export interface FakeRepoConfig {
  owner: string;
  /** `.github/fixbot.yml` content; undefined answers 404 (then the org's `.github` repo is asked: 404 too). */
  configYaml?: string;
  /** Collaborator role by login; anyone else is "read". */
  roles?: Record<string, string>;
}

export interface FakeGitHubServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** 127.0.0.1:<port>, the bot's GHE_HOST. */
  host: string;
  /** The REST base URL, `<url>/api/v3`. */
  apiUrl: string;
  /** GitHub's sign-in (web flow and user-token API) for the runs page, when started with `oauth`. */
  oauth?: FakeOAuthRoutes;
  state: FakeGitHubServerState;
  /** The repositories served, by name; may be changed or added to while the server runs. */
  repos: Record<string, FakeRepoConfig>;
  /** Review comments (line comments and their threads) on the pull requests in `state.pulls`. */
  reviewComments: ReviewCommentStore;
  /** The next `n` matching requests are answered with `status` instead of being served (no state change, unless `afterWrite`). */
  failNext(n: number, options: FailOptions): void;
  /** Delays matching requests (before they are served or failed). Returns a function removing the delay. */
  delay(options: DelayOptions): () => void;
  /** Injected failures not used yet (summed over failNext calls). */
  pendingFailures(): number;
  /** Resolves once `predicate(state)` is true (checked on every request and every 100 ms); rejects after timeoutMs. */
  waitFor(predicate: (state: FakeGitHubServerState) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** Comments on an issue of a repo (by repo name), optionally only those whose body contains `includes`. */
  commentsOn(repo: string, issue: number, includes?: string): FakeServerComment[];
  /** A comment someone other than the App wrote (repo: "owner/name"), e.g. one with fixbot's marker typed in. */
  addForeignComment(repo: string, issue: number, body: string, author: FakeAuthor): FakeServerComment;
  /** A pull request review someone other than the App wrote (repo: "owner/name"). */
  addForeignReview(repo: string, pull: number, body: string, author: FakeAuthor, commitId?: string): FakeReview;
  /**
   * The App's webhook URL (startBot sets it to the bot it started). Redeliveries the bot asks for are sent there,
   * signed, with the original delivery's guid; unset: they are only recorded.
   */
  setWebhookTarget(target: WebhookTarget | undefined): void;
  /** Records a delivery GitHub made (BotProcess.sendWebhook calls it for every correctly signed webhook). */
  recordDelivery(delivery: { guid: string; event: string; payload: object; statusCode: number; redelivery?: boolean }): FakeDelivery;
  /** Sends a webhook the way GitHub does (signed, to the webhook target) and records the delivery. */
  deliverWebhook(event: string, payload: object, guid?: string): Promise<{ status: number; ms: number; delivery: FakeDelivery }>;
  /** Resolves once every redelivery the bot asked for has been sent (and recorded). */
  settleRedeliveries(): Promise<void>;
  stop(): Promise<void>;
}

const API_PREFIX = "/api/v3";
/** GitHub Enterprise Server's GraphQL endpoint (Octokit's graphql with a `/api/v3` base URL posts here). */
const GRAPHQL_PATH = "/api/graphql";
const APP_ROUTE = /^\/app(\/|$)/;

function newToken(): string {
  return `ghs_${randomBytes(18).toString("hex")}`;
}

/** Starts the fake on 127.0.0.1 with a random port. */
export async function startFakeGitHub(params: {
  repos: Record<string, FakeRepoConfig>;
  installationId?: number;
  /** Also serve GitHub's OAuth web flow (`/login/oauth/...`) and `/api/v3/user/...` for these people. */
  oauth?: FakeOAuthParams;
}): Promise<FakeGitHubServer> {
  const repos: Record<string, FakeRepoConfig> = { ...params.repos };
  const oauth = params.oauth ? createFakeOAuthRoutes(params.oauth) : undefined;
  const reviewStore = createReviewStore();
  const checkStore = createCheckRunStore();
  const reviewComments = createReviewCommentStore();
  const state: FakeGitHubServerState = {
    comments: [],
    pulls: [],
    reviews: reviewStore.reviews,
    checkRuns: checkStore.runs,
    graphqlQueries: [],
    writes: [],
    requests: [],
    tokenRequests: 0,
    tokens: [],
    tokenScopes: [],
    unmatched: [],
    deliveries: [],
    redeliveryRequests: [],
  };
  let webhookTarget: WebhookTarget | undefined;
  let nextDeliveryId = 90_000;
  const redeliveries = new Set<Promise<unknown>>();
  const failures: Array<{ remaining: number; options: FailOptions }> = [];
  const delays: Array<{ remaining: number; options: DelayOptions }> = [];
  const waiters = new Set<() => void>();
  let nextCommentId = 1000;
  const nextPull = new Map<string, number>();

  const notify = () => {
    for (const check of [...waiters]) check();
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { message: `fake GitHub crashed: ${error instanceof Error ? error.message : String(error)}` });
      else res.destroy();
    });
  });
  // A killed bot leaves half-open keep-alive sockets; never let them hold stop() up.
  server.keepAliveTimeout = 1000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://fake.invalid");
    const fullPath = url.pathname;
    const apiPath =
      fullPath === GRAPHQL_PATH ? "/graphql" : fullPath.startsWith(`${API_PREFIX}/`) ? fullPath.slice(API_PREFIX.length) : fullPath;
    const record: FakeServerRequest = { method, path: apiPath, query: url.search, status: 0, time: Date.now() };
    state.requests.push(record);
    const raw = await readBody(req);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      send(res, status, body, headers);
      notify();
    };

    for (const d of delays) {
      if (d.remaining > 0 && (d.options.match ?? (() => true))(method, apiPath) && (d.options.body?.(raw) ?? true)) {
        d.remaining--;
        await sleep(d.options.delayMs);
      }
    }
    if (oauth?.handle(req, res, raw)) {
      record.status = res.statusCode;
      return notify();
    }
    if (!fullPath.startsWith(`${API_PREFIX}/`) && fullPath !== GRAPHQL_PATH) {
      state.unmatched.push(`${method} ${fullPath}${url.search}`);
      return reply(404, { message: "Not Found" });
    }

    const failure = failures.find(
      (f) => f.remaining > 0 && (f.options.match ?? defaultFailMatch)(method, apiPath) && (f.options.body?.(raw) ?? true),
    );
    if (failure) failure.remaining--;
    const sendFailure = async (options: FailOptions) => {
      const { status, retryAfterSeconds, delayMs } = options;
      if (delayMs) await sleep(delayMs);
      record.injected = true;
      if (options.drop) {
        record.status = 0;
        res.destroy();
        notify();
        return;
      }
      const rateLimited = status === 403 || status === 429;
      const headers: Record<string, string> = {};
      const retryAfter = retryAfterSeconds ?? (rateLimited ? 1 : undefined);
      if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
      const body = rateLimited
        ? {
            message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
          }
        : { message: status === 502 ? "Server Error" : "Internal Server Error (injected)" };
      return reply(status, body, headers);
    };
    if (failure && !failure.options.afterWrite) return sendFailure(failure.options);

    let body: Record<string, unknown> = {};
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return reply(400, { message: "Problems parsing JSON" });
      }
    }
    const auth = req.headers.authorization ?? "";
    const route = routeOf(method, apiPath);
    if (!route) {
      state.unmatched.push(`${method} ${apiPath}${url.search}`);
      return reply(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
    }
    // App routes take the App's JWT; repository routes an installation token this server issued.
    if (
      route.kind === "app"
        ? !/^bearer [\w-]+\.[\w-]+\.[\w-]+$/i.test(auth)
        : !state.tokens.some((t) => auth === `token ${t}` || auth === `bearer ${t}` || auth === `Bearer ${t}`)
    ) {
      return reply(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
    }
    const result = route.serve(body, url, req.headers);
    if (result.write && result.status < 300) {
      state.writes.push({ method, path: apiPath, time: record.time });
    }
    if (failure) return sendFailure(failure.options);
    return reply(result.status, result.body, result.headers);
  }

  type Served = { status: number; body: unknown; headers?: Record<string, string>; write?: boolean };
  type Route = { kind: "app" | "repo"; serve: (body: Record<string, unknown>, url: URL, headers: IncomingHttpHeaders) => Served };

  function routeOf(method: string, path: string): Route | undefined {
    let m: RegExpExecArray | null;
    if (method === "GET" && path === "/app") {
      return { kind: "app", serve: () => ({ status: 200, body: fakeAppBody() }) };
    }
    if (method === "POST" && (m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path))) {
      const id = Number(m[1]);
      return {
        kind: "app",
        serve: (b) => {
          if (params.installationId !== undefined && id !== params.installationId) return { status: 404, body: { message: "Not Found" } };
          const token = newToken();
          state.tokens.push(token);
          state.tokenRequests++;
          const repositories = Array.isArray(b.repositories) ? (b.repositories as string[]) : undefined;
          const permissions = b.permissions && typeof b.permissions === "object" ? (b.permissions as Record<string, string>) : undefined;
          state.tokenScopes.push({ token, ...(repositories ? { repositories } : {}), ...(permissions ? { permissions } : {}) });
          // Like GitHub: the token has what was asked (or all of the App's permissions) on what was asked.
          return {
            status: 201,
            body: {
              token,
              expires_at: new Date(Date.now() + 3600_000).toISOString(),
              permissions: permissions ?? { issues: "write", contents: "write", pull_requests: "write" },
              repository_selection: repositories ? "selected" : "all",
            },
          };
        },
      };
    }
    if (method === "GET" && path === "/app/hook/deliveries") {
      return {
        kind: "app",
        serve: (_b, url) => {
          // Newest first, paged with an opaque cursor (here: an offset) in the Link header, like GitHub.
          const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 30) || 30, 100);
          const offset = Number(url.searchParams.get("cursor") ?? 0) || 0;
          const newestFirst = [...state.deliveries].reverse();
          const page = newestFirst.slice(offset, offset + perPage).map(toApiDelivery);
          const headers: Record<string, string> = {};
          if (offset + perPage < newestFirst.length) {
            headers.link = `<${apiBase}/app/hook/deliveries?per_page=${perPage}&cursor=${offset + perPage}>; rel="next"`;
          }
          return { status: 200, body: page, headers };
        },
      };
    }
    if (method === "POST" && (m = /^\/app\/hook\/deliveries\/(\d+)\/attempts$/.exec(path))) {
      const id = Number(m[1]);
      return {
        kind: "app",
        serve: () => {
          const original = state.deliveries.find((d) => d.id === id);
          if (!original) return { status: 404, body: { message: "Not Found" } };
          state.redeliveryRequests.push(id);
          const target = webhookTarget;
          if (target) {
            // GitHub answers 202 at once and delivers later.
            const sending: Promise<unknown> = sleep(50)
              .then(() => sendSigned(target, original.event, original.payload, original.guid))
              .then((res) =>
                recordDelivery({
                  guid: original.guid,
                  event: original.event,
                  payload: original.payload,
                  statusCode: res.status,
                  redelivery: true,
                }),
              )
              .finally(() => redeliveries.delete(sending));
            redeliveries.add(sending);
          }
          return { status: 202, body: {}, write: true };
        },
      };
    }
    if (method === "POST" && path === "/graphql") return { kind: "repo", serve: (b) => graphql(b) };
    if (!(m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(path))) return undefined;
    const owner = decodeURIComponent(m[1]!);
    const name = decodeURIComponent(m[2]!);
    const rest = m[3]!;
    const full = `${owner}/${name}`;

    // The org-wide config repository: never present.
    if (method === "GET" && name === ".github" && rest.startsWith("/contents/")) {
      return { kind: "repo", serve: () => ({ status: 404, body: { message: "Not Found" } }) };
    }
    const repo = repos[name];
    if (!repo || repo.owner !== owner) return undefined;

    if (method === "GET" && (m = /^\/contents\/(.+)$/.exec(rest))) {
      const file = decodeURIComponent(m[1]!);
      return {
        kind: "repo",
        serve: (_b, _url, headers): Served => {
          if (file !== ".github/fixbot.yml" || repo.configYaml === undefined) return { status: 404, body: { message: "Not Found" } };
          // Like GitHub: an ETag of the content; a conditional request for the same content gets an empty 304.
          const etag = `W/"${createHash("sha1").update(repo.configYaml).digest("hex")}"`;
          if (headers["if-none-match"] === etag) return { status: 304, body: "", headers: { etag } };
          return { status: 200, body: repo.configYaml, headers: { "content-type": "text/plain; charset=utf-8", etag } };
        },
      };
    }
    if (method === "GET" && (m = /^\/commits\/([0-9a-f]+)\/check-runs$/.exec(rest))) {
      const ref = m[1]!;
      return { kind: "repo", serve: (_b, url) => ({ status: 200, body: checkStore.list(full, ref, url.searchParams) }) };
    }
    if (method === "POST" && rest === "/check-runs") {
      return { kind: "repo", serve: (b) => ({ ...checkStore.create(full, b), write: true }) };
    }
    if (method === "PATCH" && (m = /^\/check-runs\/(\d+)$/.exec(rest))) {
      const id = Number(m[1]);
      return { kind: "repo", serve: (b) => ({ ...checkStore.update(full, id, b), write: true }) };
    }
    if (method === "POST" && (m = /^\/issues\/comments\/(\d+)\/reactions$/.exec(rest))) {
      return { kind: "repo", serve: (b) => ({ status: 201, body: { id: Number(m![1]), content: String(b.content ?? "") } }) };
    }
    if (method === "GET" && (m = /^\/collaborators\/([^/]+)\/permission$/.exec(rest))) {
      const login = decodeURIComponent(m[1]!);
      return {
        kind: "repo",
        serve: () => {
          const role = repo.roles?.[login] ?? "read";
          const permission = role === "maintain" ? "write" : role === "triage" ? "read" : role;
          return { status: 200, body: { permission, role_name: role, user: { login } } };
        },
      };
    }
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const issue = Number(m[1]);
      if (method === "GET") {
        return {
          kind: "repo",
          serve: () => ({ status: 200, body: state.comments.filter((c) => c.repo === full && c.issue === issue).map(toApiComment) }),
        };
      }
      if (method === "POST") {
        return {
          kind: "repo",
          serve: (b) => {
            if (typeof b.body !== "string") return { status: 422, body: { message: "Validation Failed" } };
            const comment: FakeServerComment = {
              id: nextCommentId++,
              repo: full,
              issue,
              body: b.body,
              versions: [b.body],
              versionTimes: [Date.now()],
            };
            state.comments.push(comment);
            return { status: 201, body: toApiComment(comment), write: true };
          },
        };
      }
    }
    if (method === "PATCH" && (m = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      const id = Number(m[1]);
      return {
        kind: "repo",
        serve: (b) => {
          const comment = state.comments.find((c) => c.id === id && c.repo === full);
          if (!comment) return { status: 404, body: { message: "Not Found" } };
          // As on GitHub: an App cannot edit someone else's comment.
          if (comment.author) return { status: 403, body: { message: "Resource not accessible by integration" } };
          if (typeof b.body !== "string") return { status: 422, body: { message: "Validation Failed" } };
          comment.body = b.body;
          comment.versions.push(b.body);
          comment.versionTimes.push(Date.now());
          return { status: 200, body: toApiComment(comment), write: true };
        },
      };
    }
    if (rest === "/pulls" && method === "GET") {
      return {
        kind: "repo",
        serve: (_b, url) => {
          const head = url.searchParams.get("head");
          const wanted = url.searchParams.get("state") ?? "open";
          const pulls = state.pulls.filter((p) => p.repo === full && (head === null || `${owner}:${p.head}` === head));
          return { status: 200, body: wanted === "closed" ? [] : pulls.map(toApiPull) };
        },
      };
    }
    if (rest === "/pulls" && method === "POST") {
      return {
        kind: "repo",
        serve: (b) => {
          const head = String(b.head ?? "");
          if (state.pulls.some((p) => p.repo === full && p.head === head)) {
            return {
              status: 422,
              body: {
                message: "Validation Failed",
                errors: [{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${owner}:${head}.` }],
              },
            };
          }
          const number = nextPull.get(full) ?? 50;
          nextPull.set(full, number + 1);
          const pull: FakeServerPull = {
            repo: full,
            number,
            head,
            base: String(b.base ?? ""),
            title: String(b.title ?? ""),
            body: String(b.body ?? ""),
            draft: b.draft === true,
          };
          state.pulls.push(pull);
          return { status: 201, body: toApiPull(pull), write: true };
        },
      };
    }
    if ((m = /^\/pulls\/(\d+)\/reviews$/.exec(rest)) && (method === "GET" || method === "POST")) {
      const number = Number(m[1]);
      return {
        kind: "repo",
        serve: (b) => {
          if (!state.pulls.some((p) => p.repo === full && p.number === number)) return { status: 404, body: { message: "Not Found" } };
          if (method === "GET") return { status: 200, body: reviewStore.list(full, number) };
          const created = reviewStore.create(full, number, b);
          return { status: created.status, body: created.body, write: created.review !== undefined };
        },
      };
    }
    const reviewCommentRoute = reviewCommentRouteOf(method, rest, full);
    if (reviewCommentRoute) return reviewCommentRoute;
    if (method === "GET" && (m = /^\/pulls\/(\d+)$/.exec(rest))) {
      const number = Number(m[1]);
      return {
        kind: "repo",
        serve: () => {
          const pull = state.pulls.find((p) => p.repo === full && p.number === number);
          return pull ? { status: 200, body: toApiPull(pull) } : { status: 404, body: { message: "Not Found" } };
        },
      };
    }
    if (method === "PATCH" && (m = /^\/pulls\/(\d+)$/.exec(rest))) {
      const number = Number(m[1]);
      return {
        kind: "repo",
        serve: (b) => {
          const pull = state.pulls.find((p) => p.repo === full && p.number === number);
          if (!pull) return { status: 404, body: { message: "Not Found" } };
          for (const key of ["title", "body", "base"] as const) if (typeof b[key] === "string") pull[key] = b[key];
          if (typeof b.draft === "boolean") pull.draft = b.draft;
          return { status: 200, body: toApiPull(pull), write: true };
        },
      };
    }
    return undefined;
  }

  /**
   * GraphQL: only the `reviewThreads` query `/fixbot fix` sends (src/github/review-threads.ts), answered from
   * `reviewComments` like the in-process fake (test/helpers/fake-review-comments-nock.ts); anything else gets
   * GraphQL's error shape.
   */
  function graphql(b: Record<string, unknown>): Served {
    const query = typeof b.query === "string" ? b.query : "";
    state.graphqlQueries.push(query);
    if (!query.includes("reviewThreads"))
      return { status: 200, body: { errors: [{ message: "the fake GitHub answers only reviewThreads" }] } };
    const v = (b.variables ?? {}) as { owner?: unknown; repo?: unknown; number?: unknown };
    const repo = repos[String(v.repo)];
    if (!repo || repo.owner !== v.owner) return { status: 200, body: { data: { repository: null } } };
    return { status: 200, body: reviewComments.threads(`${repo.owner}/${String(v.repo)}`, Number(v.number)) };
  }

  /** Review comments: list a pull request's, reply in a thread, edit one, react to one. */
  function reviewCommentRouteOf(method: string, rest: string, full: string): Route | undefined {
    let m: RegExpExecArray | null;
    if (method === "GET" && (m = /^\/pulls\/(\d+)\/comments$/.exec(rest))) {
      const number = Number(m[1]);
      return { kind: "repo", serve: () => ({ status: 200, body: reviewComments.list(full, number) }) };
    }
    if (method === "POST" && (m = /^\/pulls\/(\d+)\/comments\/(\d+)\/replies$/.exec(rest))) {
      const [number, id] = [Number(m[1]), Number(m[2])];
      return { kind: "repo", serve: (b) => ({ ...reviewComments.reply(full, number, id, b), write: true }) };
    }
    if (method === "PATCH" && (m = /^\/pulls\/comments\/(\d+)$/.exec(rest))) {
      const id = Number(m[1]);
      return { kind: "repo", serve: (b) => ({ ...reviewComments.update(full, id, b), write: true }) };
    }
    if (method === "POST" && (m = /^\/pulls\/comments\/(\d+)\/reactions$/.exec(rest))) {
      const id = Number(m[1]);
      return { kind: "repo", serve: (b) => reviewComments.react(id, String(b.content ?? "")) };
    }
    return undefined;
  }

  function toApiDelivery(d: FakeDelivery) {
    const { payload: _payload, ...listed } = d;
    return {
      ...listed,
      duration: 0.1,
      status: d.status_code === 0 ? "failed to connect" : d.status_code < 300 ? "OK" : "Invalid HTTP Response",
      installation_id: 1,
      repository_id: null,
    };
  }

  function recordDelivery(delivery: {
    guid: string;
    event: string;
    payload: object;
    statusCode: number;
    redelivery?: boolean;
  }): FakeDelivery {
    const action = (delivery.payload as { action?: unknown }).action;
    const entry: FakeDelivery = {
      id: nextDeliveryId++,
      guid: delivery.guid,
      event: delivery.event,
      action: typeof action === "string" ? action : null,
      status_code: delivery.statusCode,
      delivered_at: new Date().toISOString(),
      redelivery: delivery.redelivery ?? false,
      payload: delivery.payload,
    };
    state.deliveries.push(entry);
    notify();
    return entry;
  }

  function toApiComment(c: FakeServerComment) {
    return {
      id: c.id,
      body: c.body,
      html_url: `https://github.com/${c.repo}/issues/${c.issue}#issuecomment-${c.id}`,
      ...authorFields(c.author, "comment"),
    };
  }
  function toApiPull(p: FakeServerPull) {
    return {
      number: p.number,
      state: "open",
      html_url: `https://github.com/${p.repo}/pull/${p.number}`,
      draft: p.draft,
      head: { ref: p.head, sha: p.headSha ?? "0".repeat(40), repo: { full_name: p.repo } },
      base: { ref: p.base },
      user: { login: "carol", type: "User" },
      title: p.title,
      body: p.body,
    };
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  const url = `http://${host}`;
  const apiBase = `${url}${API_PREFIX}`;
  const ticker = setInterval(notify, 100);
  ticker.unref();

  return {
    url,
    host,
    apiUrl: `${url}${API_PREFIX}`,
    oauth,
    state,
    repos,
    reviewComments,
    failNext(n, options) {
      failures.push({ remaining: n, options });
    },
    delay(options) {
      const entry = { remaining: options.times ?? Number.POSITIVE_INFINITY, options };
      delays.push(entry);
      return () => {
        entry.remaining = 0;
      };
    },
    pendingFailures: () => failures.reduce((sum, f) => sum + f.remaining, 0),
    waitFor(predicate, timeoutMs = 90_000, what = "a condition on the fake GitHub's state") {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          let ok = false;
          try {
            ok = predicate(state);
          } catch (error) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          if (ok) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    commentsOn(repo, issue, includes) {
      return state.comments.filter(
        (c) => c.repo.split("/")[1] === repo && c.issue === issue && (includes === undefined || c.body.includes(includes)),
      );
    },
    addForeignComment(repo, issue, body, author) {
      const comment: FakeServerComment = { id: nextCommentId++, repo, issue, body, versions: [body], versionTimes: [Date.now()], author };
      state.comments.push(comment);
      return comment;
    },
    addForeignReview(repo, pull, body, author, commitId) {
      return reviewStore.addForeign(repo, pull, body, author, commitId);
    },
    setWebhookTarget(target) {
      webhookTarget = target;
    },
    recordDelivery,
    async deliverWebhook(event, payload, guid = `fake-${randomBytes(8).toString("hex")}`) {
      if (!webhookTarget) throw new Error("no webhook target: start a bot (startBot sets it) or call setWebhookTarget");
      const started = performance.now();
      const res = await sendSigned(webhookTarget, event, payload, guid);
      const ms = Math.round(performance.now() - started);
      return { status: res.status, ms, delivery: recordDelivery({ guid, event, payload, statusCode: res.status }) };
    },
    async settleRedeliveries() {
      while (redeliveries.size > 0) await Promise.allSettled([...redeliveries]);
    },
    async stop() {
      clearInterval(ticker);
      await Promise.allSettled([...redeliveries]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** POSTs a webhook signed with X-Hub-Signature-256; status 0 when the target cannot be reached. */
export async function sendSigned(
  target: WebhookTarget,
  event: string,
  payload: object,
  guid: string,
  timeoutMs = 30_000,
): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(payload);
  try {
    const res = await fetch(target.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/fake",
        "x-github-event": event,
        "x-github-delivery": guid,
        "x-github-hook-id": "1",
        "x-github-hook-installation-target-type": "integration",
        "x-github-hook-installation-target-id": "1",
        "x-hub-signature-256": `sha256=${createHmac("sha256", target.secret).update(body).digest("hex")}`,
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, body: await res.text() };
  } catch (error) {
    return { status: 0, body: error instanceof Error ? error.message : String(error) };
  }
}

function defaultFailMatch(_method: string, path: string): boolean {
  return !APP_ROUTE.test(path);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "x-github-media-type": "github.v3; format=json",
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
    ...headers,
    "content-length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}
