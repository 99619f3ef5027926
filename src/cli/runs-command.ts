import { parseArgs } from "node:util";
import type { RunSummary } from "../runs/run-summary.js";
import { UsageError } from "./args.js";
import { runDetail, runsTable } from "./runs-format.js";

export const RUNS_USAGE = `Usage: fixbot runs [--url <bot url>] [--token <token>] [--status <status>] [--repo <owner/name>] [--limit <n>] [--json]
       fixbot runs <run id> [--url <bot url>] [--token <token>] [--json]

Lists the bot's runs, newest first (repository, issue or PR, kind, status, who asked, start, duration, attempts,
tokens, cost), or shows one run's steps with their durations, the test output's tail, the agent's summary and
the review. Reads the bot's runs API (GET /api/runs).

Options:
  --url <url>        the bot's address (default: FIXBOT_URL)
  --token <token>    the runs API token (default: FIXBOT_RUNS_TOKEN)
  --status <status>  only runs in this status: queued, running, succeeded, failed, cancelled, skipped
  --repo <o/r>       only runs of this repository
  --limit <n>        at most n runs (default 50, at most 200)
  --json             print the API's JSON`;

export interface RunsArgs {
  url: string;
  token: string;
  id?: string;
  query: URLSearchParams;
  json: boolean;
}

/** Parses `fixbot runs ...`; throws UsageError with a one-line reason. Pure (the environment is passed in). */
export function parseRunsArgs(argv: string[], env: NodeJS.ProcessEnv): RunsArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        url: { type: "string" },
        token: { type: "string" },
        status: { type: "string" },
        repo: { type: "string" },
        limit: { type: "string" },
        json: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const url = values.url ?? env.FIXBOT_URL;
  const token = values.token ?? env.FIXBOT_RUNS_TOKEN;
  if (!url) throw new UsageError("the bot's address is missing: pass --url or set FIXBOT_URL");
  if (!token) throw new UsageError("the runs API token is missing: pass --token or set FIXBOT_RUNS_TOKEN");
  if (positionals.length > 1) throw new UsageError(`one run id at most, got ${positionals.length}`);
  const query = new URLSearchParams();
  for (const name of ["status", "repo", "limit"] as const) if (values[name] !== undefined) query.set(name, values[name]);
  return { url: url.replace(/\/+$/, ""), token, id: positionals[0], query, json: values.json };
}

/** The API's address for the arguments. Pure. */
export function runsApiUrl(args: Pick<RunsArgs, "url" | "id" | "query">): string {
  if (args.id) return `${args.url}/api/runs/${encodeURIComponent(args.id)}`;
  const query = args.query.toString();
  return `${args.url}/api/runs${query ? `?${query}` : ""}`;
}

export interface RunsIO {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  fetch?: typeof fetch;
  now?: () => number;
}

/** `fixbot runs`: exit 0 with the list or the run, 1 when the bot refused or failed, 2 for bad arguments. */
export async function runsCommand(io: RunsIO): Promise<number> {
  if (io.argv.includes("--help") || io.argv.includes("-h")) {
    io.stdout(`${RUNS_USAGE}\n`);
    return 0;
  }
  let args: RunsArgs;
  try {
    args = parseRunsArgs(io.argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`fixbot runs: ${error.message}\n`);
    return 2;
  }
  const url = runsApiUrl(args);
  let response: Response;
  try {
    response = await (io.fetch ?? fetch)(url, { headers: { authorization: `Bearer ${args.token}` }, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    io.stderr(`fixbot runs: could not reach ${url}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const body = (await response.json().catch(() => ({}))) as { runs?: RunSummary[]; run?: RunSummary; error?: string };
  if (!response.ok) {
    io.stderr(`fixbot runs: ${response.status} from ${url}: ${body.error ?? response.statusText}\n`);
    return 1;
  }
  const now = (io.now ?? Date.now)();
  if (args.json) io.stdout(`${JSON.stringify(args.id ? body.run : body.runs)}\n`);
  else io.stdout(`${args.id ? runDetail(body.run!, now) : runsTable(body.runs ?? [], now)}\n`);
  return 0;
}
