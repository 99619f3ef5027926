import { fenced, inertMarkdown } from "../../github/quote-text.js";
import { truncateBody } from "../../github/review-findings.js";
import type { TestSummary } from "../types.js";

/**
 * Review threads (line comments on a pull request): what fixbot keeps of one, the text the agent is given, which
 * threads a `/fixbot fix` without instructions takes up, and the reply fixbot posts in a thread. Pure.
 */

/** Where a thread sits: its root comment (the one replies hang off) and the lines it is about. Plain data. */
export interface ThreadRef {
  /** The thread's first comment: `in_reply_to_id` of a reply, or the comment's own id. */
  rootId: number;
  path: string;
  line: number | null;
  startLine: number | null;
  side: string | null;
  diffHunk: string;
}

export interface ThreadComment {
  author: string;
  body: string;
}

/** A thread with its comments so far, oldest first. */
export interface ReviewThread extends ThreadRef {
  comments: ThreadComment[];
}

/** One thread as GitHub's GraphQL `reviewThreads` lists it (the fields fixbot asks for). */
export interface ThreadNode {
  isResolved: boolean;
  isOutdated: boolean;
  path: string;
  line: number | null;
  startLine?: number | null;
  diffSide?: string | null;
  comments: { nodes: Array<{ databaseId: number | null; body: string; diffHunk?: string | null; author: { login: string } | null }> };
}

/** At most this many threads are taken up by one `/fixbot fix`. */
export const MAX_THREADS = 20;
/** One comment is cut to this many characters before it is quoted. */
const COMMENT_MAX_CHARS = 4_000;
/** The diff hunk keeps its last this many characters (the commented line is at its end). */
const HUNK_MAX_CHARS = 3_000;
/** All threads together, as the agent gets them. */
export const THREADS_MAX_CHARS = 24_000;

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}\n[fixbot: this comment is cut here]` : text);

/** A thread's comments and hunk, capped for the job queue and the task. */
export function cappedThread(thread: ReviewThread): ReviewThread {
  const hunk = thread.diffHunk.length > HUNK_MAX_CHARS ? thread.diffHunk.slice(-HUNK_MAX_CHARS) : thread.diffHunk;
  return { ...thread, diffHunk: hunk, comments: thread.comments.slice(-20).map((c) => ({ ...c, body: cut(c.body, COMMENT_MAX_CHARS) })) };
}

/**
 * The threads `/fixbot fix` (no instructions) takes as its task: the unresolved ones that still have a root
 * comment to reply to, in the order GitHub lists them, at most MAX_THREADS. Resolved threads are skipped;
 * outdated ones are kept (their file may have moved on, the request stands). Empty: fix as before.
 */
export function selectThreads(nodes: readonly ThreadNode[]): ReviewThread[] {
  const picked: ReviewThread[] = [];
  for (const node of nodes) {
    const first = node.comments.nodes[0];
    if (node.isResolved || !first?.databaseId) continue;
    picked.push(
      cappedThread({
        rootId: first.databaseId,
        path: node.path,
        line: node.line,
        startLine: node.startLine ?? null,
        side: node.diffSide ?? null,
        diffHunk: first.diffHunk ?? "",
        comments: node.comments.nodes.map((c) => ({ author: c.author?.login ?? "ghost", body: c.body })),
      }),
    );
    if (picked.length >= MAX_THREADS) break;
  }
  return picked;
}

/** "line 12", "lines 10–12", "a file-level comment". */
export function lineRange(t: Pick<ThreadRef, "line" | "startLine">): string {
  if (t.line === null) return "the file (no line)";
  return t.startLine !== null && t.startLine !== t.line ? `lines ${t.startLine}–${t.line}` : `line ${t.line}`;
}

/** One thread for an agent: where it is, the diff hunk and every comment, each quoted in a fence. */
export function threadText(thread: ReviewThread): string {
  const side = thread.side === "LEFT" ? " (the old side of the diff)" : "";
  const comments = thread.comments.map((c) => `@${c.author} wrote:\n${fenced(c.body.trim())}`);
  return [
    `### \`${thread.path}\`, ${lineRange(thread)}${side}`,
    ...(thread.diffHunk ? ["The diff hunk the thread is on:", fenced(thread.diffHunk), ""] : []),
    ...comments,
  ].join("\n");
}

/** Every thread, within THREADS_MAX_CHARS (later ones are left out, and a note says how many). */
export function threadsText(threads: readonly ReviewThread[], maxChars = THREADS_MAX_CHARS): string {
  const kept: string[] = [];
  let used = 0;
  for (const t of threads) {
    const text = threadText(t);
    if (kept.length > 0 && used + text.length > maxChars) break;
    kept.push(text);
    used += text.length + 2;
  }
  const left = threads.length - kept.length;
  return [...kept, ...(left > 0 ? [`[fixbot: ${left} more thread(s) left out to keep this short]`] : [])].join("\n\n");
}

/** Hidden marker of fixbot's reply to one thread for one run: found again among the thread's replies, never posted twice. */
export function threadReplyMarker(runId: string, rootId: number): string {
  return `<!-- fixbot:thread-reply run=${runId.replace(/[^A-Za-z0-9._:-]/g, "_")} thread=${rootId} -->`;
}

export interface ThreadOutcome {
  /** The pushed commit; unset when nothing was pushed. */
  commit?: string;
  branch: string;
  agentSummary: string;
  files: readonly string[];
  tests: TestSummary;
}

/** fixbot's reply in a thread it addressed: what changed (the agent's summary, the files), the commit and the test result. */
export function threadReplyText(o: ThreadOutcome): string {
  const verdict = o.tests.passed ? "pass" : o.tests.timedOut ? "timed out" : `fail (exit ${o.tests.exitCode ?? "?"})`;
  const head = o.commit
    ? `🔧 Pushed ${o.commit.slice(0, 7)} to \`${o.branch}\` for this thread.`
    : "❌ fixbot worked on this thread but the tests did not pass, so nothing was pushed.";
  const files = o.files.length ? o.files.map((f) => `\`${f.replace(/`/g, "'")}\``).join(", ") : "(none)";
  return truncateBody(
    [
      head,
      "",
      `**Tests** (\`${o.tests.command.replace(/`/g, "'")}\`): ${verdict}.`,
      `**Files changed:** ${files}`,
      "",
      "**What the agent says it did:**",
      o.agentSummary.trim() ? inertMarkdown(o.agentSummary.trim()) : "_(no summary)_",
    ].join("\n"),
    60_000,
  );
}
