import { findMarked, itemsOf, type AppIdentity } from "./app-authored.js";
import type { FixbotOctokit } from "./octokit.js";

export interface MarkedCommentParams {
  octokit: FixbotOctokit;
  owner: string;
  repo: string;
  issueNumber: number;
  /** Hidden HTML comment that identifies this comment; the body must contain it. */
  marker: string;
  body: string;
  /** A comment id recorded earlier; saves the search. */
  knownId?: number;
  /** Whose comments count: the App's own (see app-authored.ts); anyone can type a marker. */
  app: AppIdentity;
}

/**
 * Find-or-create by marker, then edit in place. A step that re-runs after a crash finds the comment it posted
 * before instead of posting a second one.
 */
export async function upsertMarkedComment(params: MarkedCommentParams): Promise<{ id: number; url: string }> {
  const { octokit, owner, repo, issueNumber, body } = params;
  if (!body.includes(params.marker)) throw new Error("comment body must contain its marker");
  const id = params.knownId ?? (await findMarkedComment(params));
  if (id !== undefined) {
    const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: id, body });
    return { id: data.id, url: data.html_url };
  }
  // No blind retry of the POST: if its answer is lost after GitHub wrote it, a retry would post a second comment.
  // The step's own retry searches for the marker first.
  const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body, request: { retries: 0 } });
  return { id: data.id, url: data.html_url };
}

export async function findMarkedComment(params: Omit<MarkedCommentParams, "body" | "knownId">): Promise<number | undefined> {
  const { octokit, owner, repo, issueNumber, marker } = params;
  const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 });
  return (await findMarked(itemsOf(pages), marker, params.app))?.id;
}
