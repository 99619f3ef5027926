import nock from "nock";
import { createCheckRunStore, nockCheckRuns, type FakeCheckRun } from "./fake-check-runs.js";
import { authorFields, createReviewStore, fakeAppBody, type FakeAuthor, type FakeReview } from "./fake-reviews.js";
import { nockReviewComments } from "./fake-review-comments-nock.js";

/** One comment as the fake GitHub holds it, with every version of its body (oldest first). */
export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  versions: string[];
  /** Unset: the App wrote it. */
  author?: FakeAuthor;
}

export interface FakePull {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
}

export interface FakeGitHubState {
  /** Check runs on any head of this repository (the App\'s and, in tests, other Apps\'). */
  checkRuns: FakeCheckRun[];
  comments: FakeComment[];
  pulls: FakePull[];
  /** Every request that changed something, in order. */
  writes: Array<{ method: string; path: string }>;
  tokenRequests: number;
  unmatched: string[];
  faultsServed: number;
  reactions: Array<{ commentId: number; content: string }>;
  /** Pull request reviews (the fix flow's chained review). */
  reviews: FakeReview[];
}

export const TEST_TOKEN = `ghs_${"T0k3n".repeat(8)}`;

/**
 * GitHub's REST API for one repository, faked in-process with nock: an in-memory store of comments and pull
 * requests, so tests assert the end state (one comment, one PR) rather than a call script.
 */
export function fakeGitHub(params: {
  owner: string;
  repo: string;
  installationId?: number;
  /** `.github/fixbot.yml` content; undefined answers 404 (then the org's .github repo is asked: 404 too). */
  configYaml?: string;
  /** Collaborator role by login; anyone else is "read". */
  roles?: Record<string, string>;
  /** Pull requests `pulls.get` answers with (by number); `fork` makes the head live in another repository. */
  prs?: Record<number, { headRef: string; headSha?: string; baseRef?: string; title?: string; fork?: boolean }>;
  /** Answers served before the normal ones: the first `times` matching requests get this status. */
  faults?: Array<{
    method: "GET" | "POST" | "PATCH";
    path: RegExp;
    status: number;
    times: number;
    headers?: Record<string, string>;
    body?: object;
  }>;
}): { state: FakeGitHubState; stop: () => void; threads: ReturnType<typeof nockReviewComments> } {
  const { owner, repo } = params;
  const reviewStore = createReviewStore();
  const checkStore = createCheckRunStore();
  const state: FakeGitHubState = {
    comments: [],
    pulls: [],
    writes: [],
    tokenRequests: 0,
    unmatched: [],
    faultsServed: 0,
    reactions: [],
    reviews: reviewStore.reviews,
    checkRuns: checkStore.runs,
  };
  let nextCommentId = 1000;
  let nextPull = 50;
  const base = `/repos/${owner}/${repo}`;
  for (const fault of params.faults ?? []) {
    const faulty = nock("https://api.github.com");
    const route =
      fault.method === "GET" ? faulty.get(fault.path) : fault.method === "POST" ? faulty.post(fault.path) : faulty.patch(fault.path);
    route
      .query(true)
      .times(fault.times)
      .reply(() => {
        state.faultsServed++;
        return [fault.status, fault.body ?? { message: `injected ${fault.status}` }, fault.headers ?? {}];
      });
  }
  const api = nock("https://api.github.com").persist();
  // Calls to the local Rivet Engine (its gateway and health API) pass through nock; anything else unmatched is a bug.
  const onNoMatch = (req: { method?: string; path?: string }) => {
    if (!/^\/(gateway|health|envoys|actors)\b/.test(req.path ?? "")) state.unmatched.push(`${req.method} ${req.path}`);
  };
  nock.emitter.on("no match", onNoMatch);

  api.get("/app").reply(200, fakeAppBody());
  nockCheckRuns(api, base, `${owner}/${repo}`, checkStore, state.writes);
  // Line comments, their threads and GraphQL reviewThreads (none unless a test adds some).
  const threads = nockReviewComments({ owner, repo, writes: state.writes });
  api.post(`/app/installations/${params.installationId ?? 1}/access_tokens`).reply(201, () => {
    state.tokenRequests++;
    return { token: TEST_TOKEN, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: {}, repository_selection: "all" };
  });
  api
    .get(`${base}/contents/.github%2Ffixbot.yml`)
    .reply(() =>
      params.configYaml === undefined
        ? [404, { message: "Not Found" }]
        : [200, params.configYaml, { "content-type": "text/plain; charset=utf-8" }],
    );
  api.get(`/repos/${owner}/.github/contents/.github%2Ffixbot.yml`).reply(404, { message: "Not Found" });
  api.get(new RegExp(`^${base}/collaborators/([^/]+)/permission$`)).reply((uri) => {
    const login = decodeURIComponent(uri.split("/").at(-2)!);
    const role = params.roles?.[login] ?? "read";
    const permission = role === "maintain" ? "write" : role === "triage" ? "read" : role;
    return [200, { permission, role_name: role, user: { login } }];
  });
  api.get(new RegExp(`^${base}/issues/(\\d+)/comments(\\?.*)?$`)).reply((uri) => {
    const issue = Number(/issues\/(\d+)\/comments/.exec(uri)![1]);
    return [200, state.comments.filter((c) => c.issue === issue).map(toApiComment)];
  });
  api.post(new RegExp(`^${base}/issues/(\\d+)/comments$`)).reply((uri, body) => {
    const issue = Number(/issues\/(\d+)\/comments/.exec(uri)![1]);
    const text = (body as { body: string }).body;
    const comment: FakeComment = { id: nextCommentId++, issue, body: text, versions: [text] };
    state.comments.push(comment);
    state.writes.push({ method: "POST", path: uri });
    return [201, toApiComment(comment)];
  });
  api.patch(new RegExp(`^${base}/issues/comments/(\\d+)$`)).reply((uri, body) => {
    const id = Number(uri.split("/").at(-1));
    const comment = state.comments.find((c) => c.id === id);
    if (!comment) return [404, { message: "Not Found" }];
    comment.body = (body as { body: string }).body;
    comment.versions.push(comment.body);
    state.writes.push({ method: "PATCH", path: uri });
    return [200, toApiComment(comment)];
  });
  api
    .get(`${base}/pulls`)
    .query(true)
    .reply((uri) => {
      const head = new URL(uri, "https://x").searchParams.get("head");
      return [200, state.pulls.filter((p) => `${owner}:${p.head}` === head).map(toApiPull)];
    });
  api.post(`${base}/pulls`).reply((uri, body) => {
    const b = body as { head: string; base: string; title: string; body: string; draft?: boolean };
    if (state.pulls.some((p) => p.head === b.head))
      return [422, { message: "Validation Failed", errors: [{ message: "A pull request already exists" }] }];
    const pull: FakePull = { number: nextPull++, head: b.head, base: b.base, title: b.title, body: b.body, draft: b.draft ?? false };
    state.pulls.push(pull);
    state.writes.push({ method: "POST", path: uri });
    return [201, toApiPull(pull)];
  });
  api.post(new RegExp(`^${base}/issues/comments/(\\d+)/reactions$`)).reply((uri, body) => {
    const commentId = Number(uri.split("/").at(-2));
    const content = (body as { content: string }).content;
    const existing = state.reactions.some((r) => r.commentId === commentId && r.content === content);
    if (!existing) state.reactions.push({ commentId, content });
    return [existing ? 200 : 201, { id: commentId, content }];
  });
  const pullNumberOf = (uri: string) => Number(/\/pulls\/(\d+)/.exec(uri)?.[1]);
  const knownPull = (n: number) => state.pulls.some((p) => p.number === n) || params.prs?.[n] !== undefined;
  api.get(new RegExp(`^${base}/pulls/(\\d+)/reviews(\\?.*)?$`)).reply((uri) => {
    const n = pullNumberOf(uri);
    return knownPull(n) ? [200, reviewStore.list(`${owner}/${repo}`, n)] : [404, { message: "Not Found" }];
  });
  api.post(new RegExp(`^${base}/pulls/(\\d+)/reviews$`)).reply((uri, body) => {
    const n = pullNumberOf(uri);
    if (!knownPull(n)) return [404, { message: "Not Found" }];
    const created = reviewStore.create(`${owner}/${repo}`, n, body);
    if (created.review) state.writes.push({ method: "POST", path: uri });
    return [created.status, created.body];
  });
  api.get(new RegExp(`^${base}/pulls/(\\d+)$`)).reply((uri) => {
    const number = Number(uri.split("/").at(-1));
    const pr = params.prs?.[number];
    if (!pr) return [404, { message: "Not Found" }];
    const headRepo = pr.fork ? `someone/${repo}` : `${owner}/${repo}`;
    return [
      200,
      {
        number,
        title: pr.title ?? `PR ${number}`,
        body: "",
        html_url: `https://github.com/${owner}/${repo}/pull/${number}`,
        user: { login: "carol" },
        head: { ref: pr.headRef, sha: pr.headSha ?? "0".repeat(40), repo: { full_name: headRepo } },
        base: { ref: pr.baseRef ?? "main" },
      },
    ];
  });
  api.patch(new RegExp(`^${base}/pulls/(\\d+)$`)).reply((uri, body) => {
    const pull = state.pulls.find((p) => p.number === Number(uri.split("/").at(-1)));
    if (!pull) return [404, { message: "Not Found" }];
    Object.assign(pull, body as object);
    state.writes.push({ method: "PATCH", path: uri });
    return [200, toApiPull(pull)];
  });

  function toApiComment(c: FakeComment) {
    return {
      id: c.id,
      body: c.body,
      html_url: `https://github.com/${owner}/${repo}/issues/${c.issue}#issuecomment-${c.id}`,
      ...authorFields(c.author, "comment"),
    };
  }
  function toApiPull(p: FakePull) {
    return {
      number: p.number,
      html_url: `https://github.com/${owner}/${repo}/pull/${p.number}`,
      draft: p.draft,
      head: { ref: p.head },
      base: { ref: p.base },
      title: p.title,
      body: p.body,
    };
  }
  return {
    state,
    threads,
    stop: () => {
      nock.emitter.off("no match", onNoMatch);
      nock.cleanAll();
    },
  };
}
