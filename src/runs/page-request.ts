import type { IncomingMessage } from "node:http";
import type { RunsFilter, RunSummaryStatus } from "./run-summary.js";
import { STATUSES } from "./page-html.js";

export type PageRoute =
  | { name: "asset"; file: "app.js" | "app.css" }
  | { name: "callback" }
  | { name: "sign-out" }
  | { name: "list"; json: boolean }
  | { name: "run"; id: string; json: boolean };

/** Which runs-page route a GET is, or undefined (not ours). Pure. */
export function matchRoute(method: string | undefined, url: string | undefined): PageRoute | undefined {
  if (method !== "GET") return undefined;
  const [path = "", query = ""] = (url ?? "").split("?");
  // `/runs?format=json` is the list's JSON for the page's own polling: the session cookie's Path=/runs does not
  // cover `/runs.json`, which is there for machines (the token).
  if (path === "/runs" || path === "/runs/") return { name: "list", json: new URLSearchParams(query).get("format") === "json" };
  if (path === "/runs.json") return { name: "list", json: true };
  if (path === "/runs/app.js" || path === "/runs/app.css")
    return { name: "asset", file: path.slice("/runs/".length) as "app.js" | "app.css" };
  if (path === "/runs/auth/callback") return { name: "callback" };
  if (path === "/runs/sign-out") return { name: "sign-out" };
  const m = /^\/runs\/([^/]+)$/.exec(path);
  if (!m) return undefined;
  const json = m[1]!.endsWith(".json");
  try {
    const id = decodeURIComponent(json ? m[1]!.slice(0, -".json".length) : m[1]!);
    return id ? { name: "run", id, json } : undefined;
  } catch {
    return undefined;
  }
}

const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** The list's filter from the query string; values that are not a status or an `owner/name` are ignored. Pure. */
export function parseListQuery(url: string | undefined): Pick<RunsFilter, "status" | "repo"> {
  const query = new URLSearchParams((url ?? "").split("?")[1] ?? "");
  const status = query.get("status") ?? "";
  const repo = query.get("repo") ?? "";
  return {
    ...(STATUSES.includes(status as RunSummaryStatus) ? { status: status as RunSummaryStatus } : {}),
    ...(REPO.test(repo) ? { repo } : {}),
  };
}

/** `?status=..&repo=..` for the filter (empty without one), after `first` params. Pure. */
export function filterQuery(filter: Pick<RunsFilter, "status" | "repo">, first: Record<string, string> = {}): string {
  const query = new URLSearchParams(first);
  if (filter.status) query.set("status", filter.status);
  if (filter.repo) query.set("repo", filter.repo);
  const text = query.toString();
  return text ? `?${text}` : "";
}

/** Where to go back to after sign-in: a runs-page path of this site only (never another host). Pure. */
export function safeReturnTo(url: string | undefined): string {
  const path = url ?? "";
  return /^\/runs(\/|\?|$)/.test(path) && !path.includes("\\") && !path.startsWith("//") ? path : "/runs";
}

/** The bot's address as the browser sees it: FIXBOT_PUBLIC_URL, else the request's Host (and X-Forwarded-Proto). */
export function publicBaseUrl(req: IncomingMessage, configured: string | undefined): string {
  if (configured) return configured.replace(/\/+$/, "");
  const proto =
    String(req.headers["x-forwarded-proto"] ?? "http")
      .split(",")[0]!
      .trim() === "https"
      ? "https"
      : "http";
  return `${proto}://${req.headers.host ?? "localhost"}`;
}

/** True when a person limited to `repos` may see a run of `repo` (undefined: everything, the machine token). Pure. */
export function maySee(repos: readonly string[] | undefined, repo: string): boolean {
  return repos === undefined || repos.some((r) => r.toLowerCase() === repo.toLowerCase());
}

/** True when the request asks for a page (a browser) rather than data. Pure. */
export function wantsHtml(req: IncomingMessage): boolean {
  return String(req.headers.accept ?? "").includes("text/html");
}
