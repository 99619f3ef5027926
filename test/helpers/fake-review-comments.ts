import { authorFields, type FakeAuthor } from "./fake-reviews.js";

/** A pull request review comment (a line comment; a reply has `inReplyTo`), as the fakes hold it. */
export interface FakeReviewComment {
  id: number;
  /** `owner/name` */
  repo: string;
  pull: number;
  body: string;
  /** Every version of the body, oldest first. */
  versions: string[];
  path: string;
  line: number | null;
  diffHunk: string;
  inReplyTo?: number;
  /** Set on a thread's root: the thread was resolved. */
  resolved?: boolean;
  /** Unset: the App wrote it. */
  author?: FakeAuthor;
}

/**
 * GitHub's review comments (line comments and their threads), shared by the in-process (nock) and HTTP fakes: list,
 * reply, edit, reactions and the GraphQL `reviewThreads` answer. Like GitHub, a reply goes to the thread's root.
 */
export function createReviewCommentStore(firstId = 70_000) {
  const comments: FakeReviewComment[] = [];
  const reactions: Array<{ commentId: number; content: string }> = [];
  let nextId = firstId;
  const toApi = (c: FakeReviewComment) => {
    const [owner, repo] = c.repo.split("/");
    return {
      id: c.id,
      body: c.body,
      path: c.path,
      line: c.line,
      diff_hunk: c.diffHunk,
      ...(c.inReplyTo ? { in_reply_to_id: c.inReplyTo } : {}),
      html_url: `https://github.com/${owner}/${repo}/pull/${c.pull}#discussion_r${c.id}`,
      ...authorFields(c.author, "review"),
    };
  };
  const rootOf = (c: FakeReviewComment) => c.inReplyTo ?? c.id;
  return {
    comments,
    reactions,
    /** A comment a person wrote (a thread's root, or a reply with `inReplyTo`). */
    add(c: Omit<FakeReviewComment, "id" | "versions"> & { id?: number }): FakeReviewComment {
      const comment = { ...c, id: c.id ?? nextId++, versions: [c.body] };
      comments.push(comment);
      return comment;
    },
    /** fixbot's replies in the thread whose root is `rootId`. */
    repliesIn: (rootId: number) => comments.filter((c) => c.inReplyTo === rootId && !c.author),
    list: (repo: string, pull: number) => comments.filter((c) => c.repo === repo && c.pull === pull).map(toApi),
    reply(repo: string, pull: number, commentId: number, body: unknown): { status: number; body: object; written?: boolean } {
      const parent = comments.find((c) => c.repo === repo && c.pull === pull && c.id === commentId);
      const text = (body as { body?: unknown } | null)?.body;
      if (!parent) return { status: 404, body: { message: "Not Found" } };
      if (typeof text !== "string") return { status: 422, body: { message: "Validation Failed" } };
      const root = comments.find((c) => c.id === rootOf(parent))!;
      const reply: FakeReviewComment = { ...root, id: nextId++, body: text, versions: [text], inReplyTo: root.id, author: undefined };
      delete reply.resolved;
      comments.push(reply);
      return { status: 201, body: toApi(reply), written: true };
    },
    update(repo: string, id: number, body: unknown): { status: number; body: object; written?: boolean } {
      const comment = comments.find((c) => c.repo === repo && c.id === id);
      const text = (body as { body?: unknown } | null)?.body;
      if (!comment) return { status: 404, body: { message: "Not Found" } };
      if (comment.author) return { status: 403, body: { message: "Resource not accessible by integration" } };
      if (typeof text !== "string") return { status: 422, body: { message: "Validation Failed" } };
      comment.body = text;
      comment.versions.push(text);
      return { status: 200, body: toApi(comment), written: true };
    },
    react(commentId: number, content: string): { status: number; body: object } {
      const existing = reactions.some((r) => r.commentId === commentId && r.content === content);
      if (!existing) reactions.push({ commentId, content });
      return { status: existing ? 200 : 201, body: { id: commentId, content } };
    },
    /** The GraphQL answer to `repository.pullRequest.reviewThreads`. */
    threads(repo: string, pull: number) {
      const roots = comments.filter((c) => c.repo === repo && c.pull === pull && !c.inReplyTo);
      const nodes = roots.map((root) => ({
        isResolved: root.resolved === true,
        isOutdated: false,
        path: root.path,
        line: root.line,
        startLine: null,
        diffSide: "RIGHT",
        comments: {
          nodes: comments
            .filter((c) => rootOf(c) === root.id)
            .map((c) => ({
              databaseId: c.id,
              body: c.body,
              diffHunk: c.diffHunk,
              author: { login: c.author?.login ?? "fixbot" },
            })),
        },
      }));
      return { data: { repository: { pullRequest: { reviewThreads: { nodes } } } } };
    },
  };
}

export type ReviewCommentStore = ReturnType<typeof createReviewCommentStore>;
