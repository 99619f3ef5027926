/** A pull request review as the fakes hold it. */
export interface FakeReview {
  id: number;
  /** `owner/name` of the repository. */
  repo: string;
  pull: number;
  body: string;
  commitId: string;
  event: string;
  comments: Array<{ path: string; line: number; side: string; body: string }>;
}

/**
 * GitHub's pull request reviews (list, create), shared by the in-process (nock) and HTTP fakes: an in-memory
 * store that answers like GitHub, rejecting an inline comment without path, line, side RIGHT or body (422).
 */
export function createReviewStore(firstId = 5000) {
  const reviews: FakeReview[] = [];
  let nextId = firstId;
  const toApi = (r: FakeReview) => {
    const [owner, repo] = r.repo.split("/");
    return { id: r.id, body: r.body, commit_id: r.commitId, state: "COMMENTED", html_url: `https://github.com/${owner}/${repo}/pull/${r.pull}#pullrequestreview-${r.id}`, user: { login: "fixbot[bot]", type: "Bot" } };
  };
  return {
    reviews,
    list: (repo: string, pull: number) => reviews.filter((r) => r.repo === repo && r.pull === pull).map(toApi),
    /** Creates a review; returns [status, body] and the review when one was stored. */
    create(repo: string, pull: number, body: unknown): { status: number; body: object; review?: FakeReview } {
      const b = (body ?? {}) as { commit_id?: unknown; event?: unknown; body?: unknown; comments?: FakeReview["comments"] };
      const bad = (b.comments ?? []).find((c) => !c.path || !Number.isInteger(c.line) || c.side !== "RIGHT" || !c.body);
      if (bad) return { status: 422, body: { message: "Unprocessable Entity", errors: [`bad comment ${JSON.stringify(bad)}`] } };
      if (typeof b.commit_id !== "string" || typeof b.body !== "string") return { status: 422, body: { message: "Validation Failed" } };
      const review: FakeReview = { id: nextId++, repo, pull, body: b.body, commitId: b.commit_id, event: String(b.event ?? "COMMENT"), comments: b.comments ?? [] };
      reviews.push(review);
      return { status: 200, body: toApi(review), review };
    },
  };
}
