import nock from "nock";
import { createCheckRunStore, nockCheckRuns, type FakeCheckRun } from "./fake-check-runs.js";
import { TEST_TOKEN } from "./fake-github-nock.js";
import { authorFields, createReviewStore, fakeAppBody, type FakeAuthor, type FakeReview } from "./fake-reviews.js";

/** A pull request as the fake holds it; tests change `headSha` (a push) before sending `synchronize`. */
export interface FakePullRequest {
  number: number;
  state: "open" | "closed";
  draft: boolean;
  headSha: string;
  headRef: string;
  baseRef: string;
  /** `owner/name` of the head repository (another one for a fork). */
  headRepo: string;
  author: string;
}

export type { FakeReview };

export interface FakeIssueComment {
  id: number;
  issue: number;
  body: string;
  /** Unset: the App wrote it. */
  author?: FakeAuthor;
}

export interface FakePrGitHubState {
  /** Check runs on any head of this repository (the App\'s and, in tests, other Apps\'). */
  checkRuns: FakeCheckRun[];
  pulls: Map<number, FakePullRequest>;
  reviews: FakeReview[];
  comments: FakeIssueComment[];
  /** Every createReview call, including the ones answered with an error. */
  createReviewCalls: number;
  writes: Array<{ method: string; path: string }>;
  tokenRequests: number;
  unmatched: string[];
}

export { TEST_TOKEN };

/**
 * GitHub's REST API for one repository's pull requests, faked in-process with nock: an in-memory store of pull
 * requests, reviews and issue comments, so tests assert the end state (one review per head sha) rather than a
 * call script. `failCreateReviewOnce` stores the first review and then answers 502, as when GitHub's answer is
 * lost: the step retries, and only the marker search keeps it from posting twice.
 */
export function fakeGitHubPulls(params: {
  owner: string;
  repo: string;
  installationId?: number;
  /** `.github/fixbot.yml` content; undefined answers 404. */
  configYaml?: string;
  failCreateReviewOnce?: boolean;
  /** Collaborator role by login for slash commands (`/fixbot review`); anyone else is "read". */
  roles?: Record<string, string>;
}): { state: FakePrGitHubState; addPull(pull: FakePullRequest): void; checks: ReturnType<typeof createCheckRunStore>; stop(): void } {
  const { owner, repo } = params;
  const store = createReviewStore();
  const checkStore = createCheckRunStore();
  const state: FakePrGitHubState = {
    pulls: new Map(),
    reviews: store.reviews,
    comments: [],
    createReviewCalls: 0,
    writes: [],
    tokenRequests: 0,
    unmatched: [],
    checkRuns: checkStore.runs,
  };
  let nextId = 9000;
  let failNext = params.failCreateReviewOnce ?? false;
  const base = `/repos/${owner}/${repo}`;
  const api = nock("https://api.github.com").persist();
  // Calls to the local Rivet Engine pass through nock; anything else unmatched is a bug.
  const onNoMatch = (req: { method?: string; path?: string }) => {
    if (!/^\/(gateway|health|envoys|actors)\b/.test(req.path ?? "")) state.unmatched.push(`${req.method} ${req.path}`);
  };
  nock.emitter.on("no match", onNoMatch);
  const pullOf = (uri: string) => state.pulls.get(Number(/\/pulls\/(\d+)/.exec(uri)?.[1]));

  api.get("/app").reply(200, fakeAppBody());
  nockCheckRuns(api, base, `${owner}/${repo}`, checkStore, state.writes);
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
  api.get(new RegExp(`^${base}/pulls/(\\d+)$`)).reply((uri) => {
    const pull = pullOf(uri);
    return pull ? [200, toApiPull(pull)] : [404, { message: "Not Found" }];
  });
  api.get(new RegExp(`^${base}/pulls/(\\d+)/reviews(\\?.*)?$`)).reply((uri) => {
    const pull = pullOf(uri);
    return pull ? [200, store.list(`${owner}/${repo}`, pull.number)] : [404, { message: "Not Found" }];
  });
  api.post(new RegExp(`^${base}/pulls/(\\d+)/reviews$`)).reply((uri, body) => {
    state.createReviewCalls++;
    const pull = pullOf(uri);
    if (!pull) return [404, { message: "Not Found" }];
    const created = store.create(`${owner}/${repo}`, pull.number, body);
    if (created.review) state.writes.push({ method: "POST", path: uri });
    if (created.review && failNext) {
      failNext = false;
      return [502, { message: "Bad Gateway" }];
    }
    return [created.status, created.body];
  });
  api.get(new RegExp(`^${base}/collaborators/([^/]+)/permission$`)).reply((uri) => {
    const login = decodeURIComponent(uri.split("/").at(-2)!);
    const role = params.roles?.[login] ?? "read";
    return [200, { permission: role, role_name: role, user: { login } }];
  });
  api
    .post(new RegExp(`^${base}/issues/comments/(\\d+)/reactions$`))
    .reply(201, (_uri, body) => ({ id: 1, content: (body as { content: string }).content }));
  api.get(new RegExp(`^${base}/issues/(\\d+)/comments(\\?.*)?$`)).reply((uri) => {
    const issue = Number(/issues\/(\d+)\/comments/.exec(uri)![1]);
    return [200, state.comments.filter((c) => c.issue === issue).map(toApiComment)];
  });
  api.post(new RegExp(`^${base}/issues/(\\d+)/comments$`)).reply((uri, body) => {
    const comment = { id: nextId++, issue: Number(/issues\/(\d+)\/comments/.exec(uri)![1]), body: (body as { body: string }).body };
    state.comments.push(comment);
    state.writes.push({ method: "POST", path: uri });
    return [201, toApiComment(comment)];
  });
  api.patch(new RegExp(`^${base}/issues/comments/(\\d+)$`)).reply((uri, body) => {
    const comment = state.comments.find((c) => c.id === Number(uri.split("/").at(-1)));
    if (!comment) return [404, { message: "Not Found" }];
    comment.body = (body as { body: string }).body;
    state.writes.push({ method: "PATCH", path: uri });
    return [200, toApiComment(comment)];
  });

  function toApiPull(p: FakePullRequest) {
    return {
      number: p.number,
      title: `Pull request #${p.number}`,
      body: "",
      state: p.state,
      draft: p.draft,
      html_url: `https://github.com/${owner}/${repo}/pull/${p.number}`,
      user: { login: p.author, type: "User" },
      head: { ref: p.headRef, sha: p.headSha, repo: { full_name: p.headRepo } },
      base: { ref: p.baseRef, repo: { full_name: `${owner}/${repo}` } },
    };
  }
  function toApiComment(c: FakeIssueComment) {
    return {
      id: c.id,
      body: c.body,
      html_url: `https://github.com/${owner}/${repo}/issues/${c.issue}#issuecomment-${c.id}`,
      ...authorFields(c.author, "comment"),
    };
  }
  return {
    state,
    addPull: (pull) => void state.pulls.set(pull.number, pull),
    checks: checkStore,
    stop: () => {
      nock.emitter.off("no match", onNoMatch);
      nock.cleanAll();
    },
  };
}
