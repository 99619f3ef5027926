import { findMarked, type AppIdentity } from "./app-authored.js";
import type { FixbotOctokit } from "./octokit.js";
import { selectThreads, type ReviewThread, type ThreadComment, type ThreadNode } from "../workflow/threads/thread-text.js";

/** A pull request's review threads on GitHub: read one, read the unresolved ones, reply in one exactly once. */

interface PullRef {
  octokit: FixbotOctokit;
  owner: string;
  repo: string;
  pullNumber: number;
}

/** The fields of a review comment (REST) fixbot reads. */
interface RestReviewComment {
  id: number;
  body: string;
  in_reply_to_id?: number;
  user?: { login: string; type?: string } | null;
  performed_via_github_app?: { id: number } | null;
}

/** Reads at most this many review comments of a pull request (100 a page). */
const MAX_REVIEW_COMMENTS = 3_000;

async function* reviewComments(p: PullRef): AsyncGenerator<RestReviewComment> {
  let seen = 0;
  for await (const page of p.octokit.paginate.iterator(p.octokit.rest.pulls.listReviewComments, {
    owner: p.owner,
    repo: p.repo,
    pull_number: p.pullNumber,
    per_page: 100,
  })) {
    for (const c of page.data as RestReviewComment[]) yield c;
    seen += page.data.length;
    if (seen >= MAX_REVIEW_COMMENTS) return;
  }
}

/** A thread's comments so far, oldest first: its root and the replies to it. */
export async function readThreadComments(p: PullRef & { rootId: number }): Promise<ThreadComment[]> {
  const found: ThreadComment[] = [];
  for await (const c of reviewComments(p)) {
    if (c.id === p.rootId || c.in_reply_to_id === p.rootId) found.push({ author: c.user?.login ?? "ghost", body: c.body ?? "" });
  }
  return found;
}

const THREADS_QUERY = `query($owner: String!, $repo: String!, $number: Int!) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      reviewThreads(first: 50) {
        nodes {
          isResolved isOutdated path line startLine diffSide
          comments(first: 20) { nodes { databaseId body diffHunk author { login } } }
        }
      }
    }
  }
}`;

/** The pull request's unresolved review threads (GraphQL `reviewThreads`), as `/fixbot fix` takes them up. */
export async function readUnresolvedThreads(p: PullRef): Promise<ReviewThread[]> {
  const data = await p.octokit.graphql<{ repository: { pullRequest: { reviewThreads: { nodes: ThreadNode[] } } | null } | null }>(
    THREADS_QUERY,
    { owner: p.owner, repo: p.repo, number: p.pullNumber },
  );
  return selectThreads(data.repository?.pullRequest?.reviewThreads.nodes ?? []);
}

/**
 * Find-or-create by marker among the thread's replies, then edit in place: a step that runs again after a crash
 * finds the reply it posted before instead of posting a second one. Only the App's own replies count.
 */
export async function upsertThreadReply(
  p: PullRef & { rootId: number; marker: string; body: string; app: AppIdentity },
): Promise<{ id: number; url: string }> {
  if (!p.body.includes(p.marker)) throw new Error("reply body must contain its marker");
  const { octokit, owner, repo } = p;
  const inThread = (c: RestReviewComment) => c.in_reply_to_id === p.rootId || c.id === p.rootId;
  const existing = (await findMarked(reviewComments(p), p.marker, p.app, inThread))?.id;
  if (existing !== undefined) {
    const { data } = await octokit.rest.pulls.updateReviewComment({ owner, repo, comment_id: existing, body: p.body });
    return { id: data.id, url: data.html_url };
  }
  // No blind retry of the POST (a lost answer would post twice); the step's own retry searches for the marker first.
  const { data } = await octokit.rest.pulls.createReplyForReviewComment({
    owner,
    repo,
    pull_number: p.pullNumber,
    comment_id: p.rootId,
    body: p.body,
    request: { retries: 0 },
  });
  return { id: data.id, url: data.html_url };
}
