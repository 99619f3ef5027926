/** The fake App: what `GET /app` answers, and who wrote what the App posts. */
export const FAKE_APP = { id: 1, slug: "fixbot" } as const;

/** Someone other than the App (a stranger who types fixbot's hidden markers). */
export interface FakeAuthor {
  login: string;
  type: "User" | "Bot";
}

/** `GET /app` as GitHub answers it (the fields fixbot reads). */
export function fakeAppBody() {
  return {
    id: FAKE_APP.id,
    slug: FAKE_APP.slug,
    name: FAKE_APP.slug,
    owner: { login: "fixbot-owner" },
    permissions: {},
    events: ["issues"],
  };
}

/**
 * The author fields GitHub puts on a comment or review: the App's own comments name the App in
 * `performed_via_github_app` and are by the `<slug>[bot]` user; reviews carry only the user. A stranger's have
 * their own user and no App.
 */
export function authorFields(author: FakeAuthor | undefined, kind: "comment" | "review") {
  if (author) return { user: { login: author.login, type: author.type } };
  const user = { login: `${FAKE_APP.slug}[bot]`, type: "Bot" };
  return kind === "comment" ? { user, performed_via_github_app: { id: FAKE_APP.id, slug: FAKE_APP.slug, name: FAKE_APP.slug } } : { user };
}

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
  /** Unset: the App wrote it. */
  author?: FakeAuthor;
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
    return {
      id: r.id,
      body: r.body,
      commit_id: r.commitId,
      state: "COMMENTED",
      html_url: `https://github.com/${owner}/${repo}/pull/${r.pull}#pullrequestreview-${r.id}`,
      ...authorFields(r.author, "review"),
    };
  };
  return {
    reviews,
    list: (repo: string, pull: number) => reviews.filter((r) => r.repo === repo && r.pull === pull).map(toApi),
    /** A review someone else wrote (a stranger's, with fixbot's marker typed in, say). */
    addForeign(repo: string, pull: number, body: string, author: FakeAuthor, commitId = "0".repeat(40)): FakeReview {
      const review: FakeReview = { id: nextId++, repo, pull, body, commitId, event: "COMMENT", comments: [], author };
      reviews.push(review);
      return review;
    },
    /** Creates a review; returns [status, body] and the review when one was stored. */
    create(repo: string, pull: number, body: unknown): { status: number; body: object; review?: FakeReview } {
      const b = (body ?? {}) as { commit_id?: unknown; event?: unknown; body?: unknown; comments?: FakeReview["comments"] };
      const bad = (b.comments ?? []).find((c) => !c.path || !Number.isInteger(c.line) || c.side !== "RIGHT" || !c.body);
      if (bad) return { status: 422, body: { message: "Unprocessable Entity", errors: [`bad comment ${JSON.stringify(bad)}`] } };
      if (typeof b.commit_id !== "string" || typeof b.body !== "string") return { status: 422, body: { message: "Validation Failed" } };
      const review: FakeReview = {
        id: nextId++,
        repo,
        pull,
        body: b.body,
        commitId: b.commit_id,
        event: String(b.event ?? "COMMENT"),
        comments: b.comments ?? [],
      };
      reviews.push(review);
      return { status: 200, body: toApi(review), review };
    },
  };
}
