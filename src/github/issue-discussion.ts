import { writtenByApp, type AppIdentity, type Authored } from "./app-authored.js";
import type { FixbotOctokit } from "./octokit.js";
import { fenced } from "./quote-text.js";

/**
 * The discussion on an issue, for the fixing agent's task: people's comments, newest kept within a size cap,
 * each quoted as data (a fence longer than any backtick run in it), never as instructions. Bots' comments and
 * fixbot's own are left out.
 */

/** The most of the discussion given to the agent (UTF-16 characters of quoted comments). */
export const DISCUSSION_MAX_CHARS = 12_000;
/** One comment is cut to this many characters before it is quoted. */
const COMMENT_MAX_CHARS = 4_000;
/** Comments read at most (the newest pages are what count; GitHub lists oldest first). */
const MAX_COMMENTS_READ = 500;

export interface IssueComment extends Authored {
  body?: string | null;
  created_at?: string;
}

/** Picks and quotes the human comments, newest first within the cap, shown oldest first. Pure. */
export function renderDiscussion(comments: readonly IssueComment[], app: AppIdentity, maxChars = DISCUSSION_MAX_CHARS): string {
  const human = comments.filter((c) => c.user?.type !== "Bot" && !writtenByApp(c, app) && (c.body ?? "").trim());
  const kept: string[] = [];
  let used = 0;
  for (const c of [...human].reverse()) {
    const text = (c.body ?? "").trim();
    const cut = text.length > COMMENT_MAX_CHARS ? `${text.slice(0, COMMENT_MAX_CHARS)}\n[fixbot: this comment is cut here]` : text;
    const item = `@${c.user?.login ?? "someone"}${c.created_at ? ` (${c.created_at.slice(0, 10)})` : ""} wrote:\n${fenced(cut)}`;
    if (used + item.length > maxChars) break;
    kept.unshift(item);
    used += item.length + 2;
  }
  if (!kept.length) return "";
  const left = human.length - kept.length;
  const note = left > 0 ? `[fixbot: ${left} older comment(s) left out to keep this short]\n\n` : "";
  return `${note}${kept.join("\n\n")}`;
}

/** Lists the issue's comments (at most MAX_COMMENTS_READ) and renders the discussion. */
export async function fetchDiscussion(params: {
  octokit: FixbotOctokit;
  owner: string;
  repo: string;
  issueNumber: number;
  app: AppIdentity;
}): Promise<string> {
  const { octokit, owner, repo, issueNumber } = params;
  const all: IssueComment[] = [];
  for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issueNumber,
    per_page: 100,
  })) {
    all.push(...page.data);
    if (all.length >= MAX_COMMENTS_READ) break;
  }
  return renderDiscussion(all, params.app);
}
