import type { ThreadRef } from "../workflow/threads/thread-text.js";
import type { RepoRef } from "../workflow/types.js";
import { mentionsCommandWord, parseCommand, type Command } from "./parse-command.js";
import { capText, TEXT_CAPS } from "./text-caps.js";
import { cappedIssue, ownerAllowed } from "./to-job.js";

/** The fields of an `issue_comment.created` payload fixbot reads. */
export interface IssueCommentPayload {
  comment: { id: number; body: string; user: { login: string; type?: string } | null };
  issue: { number: number; title: string; body?: string | null; state?: string; pull_request?: unknown };
  repository: { name: string; full_name: string; clone_url: string; default_branch: string; owner: { login: string } };
  sender: { login: string; type?: string };
  installation?: { id: number } | null;
}

/** A slash command to carry out, as plain data for the commands actor's queue. */
export interface CommandJob {
  kind: "command";
  runId: string;
  deliveryId: string;
  receivedAt: number;
  repo: RepoRef;
  installationId: number;
  number: number;
  isPullRequest: boolean;
  issue: { title: string; body: string };
  commentId: number;
  sender: string;
  word: string;
  /** Set when the command came in a review thread (a line comment): replies go into that thread. */
  thread?: ThreadRef;
  /** The command, or why the comment used our word but is not a valid command (answered with the help). */
  parsed: { kind: "command"; command: Command } | { kind: "invalid"; reason: string };
}

export type CommandDecision = { ok: true; job: CommandJob } | { ok: false; reason: string };

/**
 * Turns a new comment into a command job, or says why not. Pure. The cheap checks come first, so that the
 * org's ordinary comment stream costs almost nothing: the installation's owner, bots (fixbot itself included),
 * then a plain substring search for the command word; only then is the comment parsed (linear, bounded: see
 * parse-command.ts). Permissions are checked in the workflow, where the answer is posted.
 */
export function commandFromComment(
  payload: IssueCommentPayload,
  deliveryId: string,
  now: number,
  options: { word: string; allowedOwners?: readonly string[] },
): CommandDecision {
  if (!ownerAllowed(payload.repository.owner.login, options.allowedOwners ?? [])) {
    return { ok: false, reason: `owner ${payload.repository.owner.login} is not in ALLOWED_OWNERS` };
  }
  const author = payload.comment.user ?? payload.sender;
  if (author.type === "Bot" || payload.sender.type === "Bot") return { ok: false, reason: `@${author.login} is a bot` };
  const body = payload.comment.body ?? "";
  if (!mentionsCommandWord(body, options.word)) return { ok: false, reason: "no command" };
  const parsed = capInstructions(parseCommand(body, options.word));
  if (parsed.kind === "none") return { ok: false, reason: "no command" };
  if (!payload.installation?.id) return { ok: false, reason: "the delivery has no installation" };
  const repo = payload.repository;
  const issue = cappedIssue(payload.issue);
  return {
    ok: true,
    job: {
      kind: "command",
      runId: deliveryId,
      deliveryId,
      receivedAt: now,
      repo: { owner: repo.owner.login, name: repo.name, cloneUrl: repo.clone_url, defaultBranch: repo.default_branch },
      installationId: payload.installation.id,
      number: payload.issue.number,
      isPullRequest: Boolean(payload.issue.pull_request),
      issue: { title: issue.title, body: issue.body },
      commentId: payload.comment.id,
      sender: author.login,
      word: options.word,
      parsed: parsed.kind === "command" ? { kind: "command", command: parsed.command } : { kind: "invalid", reason: parsed.reason },
    },
  };
}

/** A fix command's instructions, capped (see text-caps.ts). Pure. */
function capInstructions(parsed: ReturnType<typeof parseCommand>): ReturnType<typeof parseCommand> {
  if (parsed.kind === "command" && parsed.command.name === "ask") {
    return {
      kind: "command",
      command: { name: "ask", question: capText(parsed.command.question, TEXT_CAPS.instructionsBytes, "the question").text },
    };
  }
  if (parsed.kind !== "command" || parsed.command.name !== "fix") return parsed;
  return {
    kind: "command",
    command: {
      name: "fix",
      instructions: capText(parsed.command.instructions, TEXT_CAPS.instructionsBytes, "the text of the fix command").text,
    },
  };
}
