import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { z } from "zod";
import { authorized } from "../metrics/endpoint.js";
import { RunsIndexUnavailable } from "./bounded.js";
import type { RunSummaryStatus, RunsFilter, RunsSource } from "./run-summary.js";

const STATUSES = ["queued", "running", "succeeded", "failed", "cancelled", "skipped"] as const satisfies readonly RunSummaryStatus[];

const ListQuery = z.object({
  status: z.enum(STATUSES).optional(),
  repo: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/, "must be owner/name")
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

/** The list filter from the query string, or the problems with it. Empty values count as absent. Pure. */
export function parseRunsQuery(params: URLSearchParams): { ok: true; filter: RunsFilter } | { ok: false; error: string } {
  const raw = Object.fromEntries([...params.entries()].filter(([, v]) => v !== ""));
  const parsed = ListQuery.safeParse(raw);
  if (!parsed.success) return { ok: false, error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  const { status, repo, limit } = parsed.data;
  return { ok: true, filter: { ...(status ? { status } : {}), ...(repo ? { repo } : {}), ...(limit ? { limit } : {}) } };
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
  res.end(`${JSON.stringify(body)}\n`);
  return true;
}

/** Why a request is refused (401), or undefined when its bearer token is the configured one. Pure. */
export function refusal(header: string | undefined, token: string | undefined): string | undefined {
  if (!token) return "the runs API is off: set FIXBOT_RUNS_TOKEN on the bot, then send Authorization: Bearer <FIXBOT_RUNS_TOKEN>";
  return authorized(header, token) ? undefined : "send Authorization: Bearer <FIXBOT_RUNS_TOKEN>";
}

async function answer(res: ServerResponse, source: RunsSource, path: string, query: URLSearchParams): Promise<true> {
  if (path === "/api/runs") {
    const parsed = parseRunsQuery(query);
    if (!parsed.ok) return reply(res, 400, { error: parsed.error });
    return reply(res, 200, { runs: await source.list(parsed.filter) });
  }
  const id = decodeURIComponent(path.slice("/api/runs/".length));
  const run = await source.get(id);
  return run ? reply(res, 200, { run }) : reply(res, 404, { error: `no run ${id} in the runs index` });
}

/**
 * `GET /api/runs?status=&repo=&limit=` (newest first) and `GET /api/runs/<id>`, as JSON, for machines and
 * `fixbot runs`: only with `Authorization: Bearer $FIXBOT_RUNS_TOKEN` (401 otherwise, and always while it is
 * unset). An index that does not answer in time gives 503, never a hanging request. False for other requests.
 */
export function createRunsApiHandler(params: { source: RunsSource; token?: string; log: Logger }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? "/", "http://fixbot");
    const path = url.pathname.replace(/\/$/, "");
    if (path !== "/api/runs" && !path.startsWith("/api/runs/")) return false;
    if (req.method !== "GET") return reply(res, 405, { error: "only GET" }, { allow: "GET" });
    const refused = refusal(req.headers.authorization, params.token);
    if (refused) return reply(res, 401, { error: refused }, { "www-authenticate": 'Bearer realm="fixbot runs"' });
    try {
      return await answer(res, params.source, path, url.searchParams);
    } catch (error) {
      params.log.warn({ err: error }, "the runs API could not answer");
      if (!(error instanceof RunsIndexUnavailable)) return reply(res, 500, { error: "the runs API failed; fixbot's log has the details" });
      return reply(res, 503, { error: `the runs index is not answering right now (${error.message}); try again shortly` });
    }
  };
}
