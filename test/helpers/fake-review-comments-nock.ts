import nock from "nock";
import { createReviewCommentStore, type ReviewCommentStore } from "./fake-review-comments.js";

/**
 * The review-comment routes (and GraphQL `reviewThreads`) for test/helpers/fake-github-nock.ts, on nock: added
 * next to that fake's routes, and removed with them when it stops (nock.cleanAll).
 */
export function nockReviewComments(params: { owner: string; repo: string; writes?: Array<{ method: string; path: string }> }): {
  store: ReviewCommentStore;
  graphqlQueries: string[];
  /** While set, GitHub's GraphQL endpoint answers 502 (a GitHub that keeps failing). */
  failGraphql: boolean;
} {
  const { owner, repo } = params;
  const full = `${owner}/${repo}`;
  const base = `/repos/${owner}/${repo}`;
  const store = createReviewCommentStore();
  const graphqlQueries: string[] = [];
  const api = nock("https://api.github.com").persist();
  const written = (method: string, path: string, status: number) => {
    if (status < 300) params.writes?.push({ method, path });
  };
  api
    .get(new RegExp(`^${base}/pulls/(\\d+)/comments(\\?.*)?$`))
    .reply((uri) => [200, store.list(full, Number(/pulls\/(\d+)/.exec(uri)![1]))]);
  api.post(new RegExp(`^${base}/pulls/(\\d+)/comments/(\\d+)/replies$`)).reply((uri, body) => {
    const [, pull, id] = /pulls\/(\d+)\/comments\/(\d+)/.exec(uri)!;
    const r = store.reply(full, Number(pull), Number(id), body);
    written("POST", uri, r.status);
    return [r.status, r.body];
  });
  api.patch(new RegExp(`^${base}/pulls/comments/(\\d+)$`)).reply((uri, body) => {
    const r = store.update(full, Number(uri.split("/").at(-1)), body);
    written("PATCH", uri, r.status);
    return [r.status, r.body];
  });
  api.post(new RegExp(`^${base}/pulls/comments/(\\d+)/reactions$`)).reply((uri, body) => {
    const r = store.react(Number(uri.split("/").at(-2)), String((body as { content?: string }).content));
    return [r.status, r.body];
  });
  const result = { store, graphqlQueries, failGraphql: false };
  api.post("/graphql").reply((_uri, body) => {
    const b = body as { query: string; variables: { owner: string; repo: string; number: number } };
    graphqlQueries.push(b.query);
    if (result.failGraphql) return [502, { message: "Server Error" }];
    if (`${b.variables.owner}/${b.variables.repo}` !== full) return [200, { data: { repository: null } }];
    return [200, store.threads(full, b.variables.number)];
  });
  return result;
}
