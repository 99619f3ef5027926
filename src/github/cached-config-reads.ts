import type { CachedAnswer, ConfigFileCache, FileRef } from "./config-cache.js";
import type { FixbotOctokit } from "./octokit.js";

const CONTENTS_ROUTE = "/repos/{owner}/{repo}/contents/{path}";

/** The request options of an Octokit hook, as far as this file reads them. */
interface RequestOptions {
  method?: string;
  url?: string;
  owner?: unknown;
  repo?: unknown;
  path?: unknown;
  ref?: unknown;
  headers?: Record<string, unknown>;
  request?: Record<string, unknown>;
}

/** The file a request reads, when it is a plain `GET` of repository contents (what the config plugin sends). Pure. */
export function contentsRead(options: RequestOptions): FileRef | undefined {
  if ((options.method ?? "GET").toUpperCase() !== "GET" || options.url !== CONTENTS_ROUTE) return undefined;
  const { owner, repo, path, ref } = options;
  if (typeof owner !== "string" || typeof repo !== "string" || typeof path !== "string") return undefined;
  return { owner, repo, path, ...(typeof ref === "string" ? { ref } : {}) };
}

function etagOf(response: unknown): string | undefined {
  const etag = (response as { headers?: Record<string, unknown> } | null)?.headers?.etag;
  return typeof etag === "string" && etag.length > 0 ? etag : undefined;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

/** The remembered answer, given again: the response, or the "not found" error thrown again. */
function replay(answer: CachedAnswer): unknown {
  if (answer.kind === "missing") throw answer.error;
  return answer.response;
}

/**
 * Makes this client's contents reads (the config plugin's `.github/fixbot.yml` and the org's defaults) go through
 * `cache`: a fresh answer is used as is, a stale one is asked again with `If-None-Match` (304: still the same),
 * a 404 is remembered too (most orgs have no `.github` defaults). Every other request is untouched. Reads are not
 * retried and time out after `timeoutMs`: the caller (the intake) then lets the delivery go the usual way.
 */
export function cacheConfigReads(octokit: FixbotOctokit, cache: ConfigFileCache, timeoutMs = 10_000): FixbotOctokit {
  octokit.hook.wrap("request", async (request, options) => {
    const file = contentsRead(options as RequestOptions);
    if (!file) return request(options);
    const found = cache.lookup(file);
    if (found.state === "fresh") return replay(found.answer) as Awaited<ReturnType<typeof request>>;
    return cache.once(file, () => ask(cache, file, request, options, timeoutMs));
  });
  return octokit;
}

/** What `ask` changes on a request's options. */
interface Adjustable {
  headers: Record<string, unknown>;
  request?: object;
}

/** Asks GitHub (conditionally when an older answer has an ETag) and remembers the answer. */
async function ask<O extends Adjustable, R>(
  cache: ConfigFileCache,
  file: FileRef,
  request: (options: O) => Promise<R> | R,
  options: O,
  timeoutMs: number,
): Promise<R> {
  const found = cache.lookup(file);
  if (found.state === "fresh") return replay(found.answer) as R;
  const mark = cache.mark();
  const etag = found.state === "stale" && found.answer.kind === "file" ? found.answer.etag : undefined;
  // Changed in place: before-after-hook hands every inner hook the options object it was called with.
  if (etag) options.headers = { ...options.headers, "if-none-match": etag };
  options.request = { ...options.request, retries: 0, signal: AbortSignal.timeout(timeoutMs) };
  try {
    const response = await request(options);
    cache.store(file, { kind: "file", response, etag: etagOf(response), checkedAt: cache.clock() }, mark);
    return response;
  } catch (error) {
    const status = statusOf(error);
    if (status === 304 && found.state === "stale") {
      cache.store(file, cache.touch(found.answer), mark);
      return replay(found.answer) as R;
    }
    if (status === 404) cache.store(file, { kind: "missing", error, checkedAt: cache.clock() }, mark);
    throw error;
  }
}
