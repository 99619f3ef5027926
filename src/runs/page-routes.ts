import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { authorized } from "../metrics/endpoint.js";
import type { RunsPageEnv } from "../config/runs-page-env.js";
import { githubWebUrl } from "../config/runs-page-env.js";
import { sendAsset, sendHtml, sendJson } from "./http-reply.js";
import { APP_CSS, APP_JS } from "./page-assets.js";
import { renderListPage, renderMessagePage, renderRows, renderRunDetail, renderRunPage } from "./page-html.js";
import { filterQuery, matchRoute, maySee, parseListQuery, wantsHtml, type PageRoute } from "./page-request.js";
import type { RunsSource, RunSummary } from "./run-summary.js";
import { loadSessionKey, openSession, parseCookies, SESSION_COOKIE } from "./session.js";
import { handleCallback, signOut, startSignIn, type SignInContext } from "./sign-in-routes.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Who is asking: a signed-in person (limited to their writable repositories) or a machine with the token. */
export type Access = { login: string; repos: string[] } | { login?: undefined; repos?: undefined };

/** At most this many runs are listed. */
export const LIST_LIMIT = 200;

export interface RunsPageDeps {
  source: RunsSource;
  env: RunsPageEnv & { FIXBOT_DATA_DIR: string; GHE_HOST?: string; GHE_PROTOCOL?: string };
  /** GitHub's REST API, e.g. apiBaseUrl(env). */
  apiUrl: string;
  log?: Logger;
  fetch?: typeof fetch;
  now?: () => number;
}

/** The request's access: the machine token, or a valid session cookie; undefined: neither. */
export function accessOf(req: IncomingMessage, params: { token?: string; key: Buffer; now: number }): Access | undefined {
  if (authorized(req.headers.authorization, params.token)) return {};
  const session = openSession(parseCookies(req.headers.cookie).get(SESSION_COOKIE), params.key, params.now);
  return session ? { login: session.login, repos: session.repos } : undefined;
}

async function listRuns(
  source: RunsSource,
  access: Access,
  url: string | undefined,
): Promise<{ runs: RunSummary[]; filter: ReturnType<typeof parseListQuery> }> {
  const filter = parseListQuery(url);
  const runs = await source.list({ ...filter, ...(access.repos ? { repos: access.repos } : {}), limit: LIST_LIMIT });
  // The source is asked to filter; the page checks again, so a source that ignores a field never shows too much.
  const shown = runs
    .filter(
      (r) => maySee(access.repos, r.repo) && (!filter.status || r.status === filter.status) && (!filter.repo || r.repo === filter.repo),
    )
    .sort((a, b) => b.startedAt - a.startedAt)
    .slice(0, LIST_LIMIT);
  return { runs: shown, filter };
}

async function serveList(
  req: IncomingMessage,
  res: ServerResponse,
  json: boolean,
  ctx: { source: RunsSource; access: Access; now: number },
): Promise<true> {
  const { runs, filter } = await listRuns(ctx.source, ctx.access, req.url);
  if (json) return sendJson(res, 200, { html: renderRows(runs, ctx.now), runs });
  const repoOptions = ctx.access.repos ?? [...new Set([...runs.map((r) => r.repo), ...(filter.repo ? [filter.repo] : [])])].sort();
  const html = renderListPage({
    runs,
    view: { ...filter, repoOptions },
    login: ctx.access.login,
    now: ctx.now,
    pollUrl: `/runs${filterQuery(filter, { format: "json" })}`,
  });
  return sendHtml(res, 200, html);
}

async function serveRun(
  res: ServerResponse,
  id: string,
  json: boolean,
  ctx: { source: RunsSource; access: Access; now: number },
): Promise<true> {
  const run = await ctx.source.get(id);
  // A run of a repository the person may not write is answered exactly like one that does not exist.
  if (!run || !maySee(ctx.access.repos, run.repo)) {
    return json
      ? sendJson(res, 404, { error: "no such run" })
      : sendHtml(res, 404, renderMessagePage("No such run", `There is no run ${id} you may see.`));
  }
  if (json) return sendJson(res, 200, { html: renderRunDetail(run, ctx.now), run });
  const pollUrl = `/runs/${encodeURIComponent(run.id)}.json`;
  return sendHtml(res, 200, renderRunPage({ run, login: ctx.access.login, now: ctx.now, pollUrl }));
}

function refuseAnonymous(req: IncomingMessage, res: ServerResponse, route: PageRoute, signIn: SignInContext): true {
  const browser = !("json" in route && route.json) && wantsHtml(req);
  if (browser) return startSignIn(req, res, signIn);
  return sendJson(
    res,
    401,
    { error: "sign in at /runs, or send Authorization: Bearer <FIXBOT_RUNS_TOKEN>" },
    { "www-authenticate": 'Bearer realm="fixbot runs"' },
  );
}

/**
 * `GET /runs` (the list), `/runs/<id>` (a run), their JSON twins for the live update (`/runs?format=json` or
 * `/runs.json`, `/runs/<id>.json`), the sign-in callback and the page's script and stylesheet. Only for a signed-in person
 * (the runs of repositories they may write) or `Authorization: Bearer <FIXBOT_RUNS_TOKEN>` (all runs).
 * Returns false for other requests.
 */
export async function runsPageRoutes(deps: RunsPageDeps): Promise<Handler> {
  const key = await loadSessionKey({ secret: deps.env.FIXBOT_SESSION_SECRET, dataDir: deps.env.FIXBOT_DATA_DIR });
  const now = deps.now ?? Date.now;
  const { GITHUB_CLIENT_ID: clientId, GITHUB_CLIENT_SECRET: clientSecret } = deps.env;
  const signIn: SignInContext = {
    app: clientId && clientSecret ? { clientId, clientSecret, webUrl: githubWebUrl(deps.env), apiUrl: deps.apiUrl } : undefined,
    key,
    publicUrl: deps.env.FIXBOT_PUBLIC_URL,
    now,
    fetch: deps.fetch,
    log: deps.log,
  };
  return async (req, res) => {
    const route = matchRoute(req.method, req.url);
    if (!route) return false;
    if (route.name === "asset")
      return route.file === "app.js"
        ? sendAsset(res, "text/javascript; charset=utf-8", APP_JS)
        : sendAsset(res, "text/css; charset=utf-8", APP_CSS);
    if (route.name === "callback") return handleCallback(req, res, signIn);
    if (route.name === "sign-out") return signOut(res);
    const access = accessOf(req, { token: deps.env.FIXBOT_RUNS_TOKEN, key, now: now() });
    if (!access) return refuseAnonymous(req, res, route, signIn);
    const ctx = { source: deps.source, access, now: now() };
    try {
      return route.name === "list" ? await serveList(req, res, route.json, ctx) : await serveRun(res, route.id, route.json, ctx);
    } catch (error) {
      deps.log?.warn({ err: error }, "runs page: reading the runs failed");
      return route.json
        ? sendJson(res, 503, { error: "the runs index did not answer" })
        : sendHtml(res, 503, renderMessagePage("Runs unavailable", "The runs index did not answer: try again."));
    }
  };
}
