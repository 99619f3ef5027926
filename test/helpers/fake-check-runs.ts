import { FAKE_APP } from "./fake-reviews.js";

/** A check run as the fakes hold it. */
export interface FakeCheckRun {
  id: number;
  repo: string;
  name: string;
  headSha: string;
  externalId?: string;
  status: string;
  conclusion?: string;
  title?: string;
  summary?: string;
  detailsUrl?: string;
  /** The App that created it (GitHub sets it from the token); another App's has another id. */
  appId: number;
  /** How many times it was updated after creation. */
  updates: number;
}

/**
 * GitHub's check runs (list for a ref, create, update), shared by the in-process (nock) and HTTP fakes: an
 * in-memory store that answers like GitHub, so tests assert the end state (one check run per head and kind).
 */
export function createCheckRunStore(firstId = 70_000) {
  const runs: FakeCheckRun[] = [];
  let nextId = firstId;
  const toApi = (r: FakeCheckRun) => {
    const [owner, repo] = r.repo.split("/");
    return {
      id: r.id,
      name: r.name,
      head_sha: r.headSha,
      external_id: r.externalId ?? "",
      status: r.status,
      conclusion: r.conclusion ?? null,
      output: { title: r.title ?? null, summary: r.summary ?? null },
      details_url: r.detailsUrl ?? null,
      html_url: `https://github.com/${owner}/${repo}/runs/${r.id}`,
      app: { id: r.appId, slug: r.appId === FAKE_APP.id ? FAKE_APP.slug : "other-app" },
    };
  };
  type Body = {
    name?: string;
    head_sha?: string;
    external_id?: string;
    status?: string;
    conclusion?: string;
    details_url?: string;
    output?: { title?: string; summary?: string };
  };
  const apply = (run: FakeCheckRun, b: Body) => {
    if (b.status) run.status = b.status;
    if (b.conclusion) run.conclusion = b.conclusion;
    if (b.output?.title !== undefined) run.title = b.output.title;
    if (b.output?.summary !== undefined) run.summary = b.output.summary;
    if (b.details_url) run.detailsUrl = b.details_url;
  };
  return {
    runs,
    /** `GET /repos/{owner}/{repo}/commits/{ref}/check-runs?check_name=…` */
    list(repo: string, ref: string, query: URLSearchParams) {
      const name = query.get("check_name");
      const found = runs.filter((r) => r.repo === repo && r.headSha === ref && (!name || r.name === name)).map(toApi);
      return { total_count: found.length, check_runs: found };
    },
    /** Another App's check run on the same head (it may carry the same name and external id). */
    addForeign(repo: string, headSha: string, name: string, externalId: string): FakeCheckRun {
      const run: FakeCheckRun = {
        id: nextId++,
        repo,
        name,
        headSha,
        externalId,
        status: "completed",
        conclusion: "success",
        appId: FAKE_APP.id + 1000,
        updates: 0,
      };
      runs.push(run);
      return run;
    },
    create(repo: string, body: unknown): { status: number; body: object } {
      const b = (body ?? {}) as Body;
      if (!b.name || !b.head_sha || !/^[0-9a-f]{40}$/.test(b.head_sha)) return { status: 422, body: { message: "Validation Failed" } };
      const run: FakeCheckRun = {
        id: nextId++,
        repo,
        name: b.name,
        headSha: b.head_sha,
        externalId: b.external_id,
        status: "queued",
        appId: FAKE_APP.id,
        updates: 0,
      };
      apply(run, b);
      runs.push(run);
      return { status: 201, body: toApi(run) };
    },
    update(repo: string, id: number, body: unknown): { status: number; body: object } {
      const run = runs.find((r) => r.repo === repo && r.id === id);
      if (!run || run.appId !== FAKE_APP.id) return { status: 404, body: { message: "Not Found" } };
      apply(run, (body ?? {}) as Body);
      run.updates++;
      return { status: 200, body: toApi(run) };
    },
  };
}

export type CheckRunStore = ReturnType<typeof createCheckRunStore>;

/** The three check-run routes on a persisted nock scope for `base` (`/repos/{owner}/{repo}`). */
export function nockCheckRuns(
  api: import("nock").Scope,
  base: string,
  repoFullName: string,
  store: CheckRunStore,
  writes: Array<{ method: string; path: string }>,
): void {
  api.get(new RegExp(`^${base}/commits/([0-9a-f]+)/check-runs(\\?.*)?$`)).reply((uri) => {
    const url = new URL(uri, "https://x");
    const ref = /\/commits\/([0-9a-f]+)\/check-runs/.exec(url.pathname)![1]!;
    return [200, store.list(repoFullName, ref, url.searchParams)];
  });
  api.post(`${base}/check-runs`).reply((uri, body) => {
    const created = store.create(repoFullName, body);
    if (created.status === 201) writes.push({ method: "POST", path: uri });
    return [created.status, created.body];
  });
  api.patch(new RegExp(`^${base}/check-runs/(\\d+)$`)).reply((uri, body) => {
    const updated = store.update(repoFullName, Number(uri.split("/").at(-1)), body);
    if (updated.status === 200) writes.push({ method: "PATCH", path: uri });
    return [updated.status, updated.body];
  });
}
