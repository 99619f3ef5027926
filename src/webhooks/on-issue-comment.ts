import type { Logger } from "pino";
import { commandFromComment, type CommandJob, type IssueCommentPayload } from "./comment-to-command.js";
import { DEFAULT_COMMAND_WORD } from "./parse-command.js";

export interface CommentHandlerDeps {
  /** Accepts the command into the inbox, which hands it on to the issue's commands actor; unset: comments are ignored. */
  acceptCommand?: (job: CommandJob) => Promise<void>;
  /** The slash-command word (FIXBOT_COMMAND_WORD). */
  commandWord?: string;
  now: () => number;
  allowedOwners?: readonly string[];
}

/**
 * The `issue_comment.created` handler (only new comments: an edited comment never re-triggers a command):
 * comment to command job, then into the inbox. Comments without a command are dropped here.
 */
export function handleIssueComment(deps: CommentHandlerDeps) {
  return async (context: { id: string; payload: IssueCommentPayload; log: Logger }): Promise<void> => {
    const decision = commandFromComment(context.payload, context.id, deps.now(), {
      word: deps.commandWord ?? DEFAULT_COMMAND_WORD,
      allowedOwners: deps.allowedOwners,
    });
    if (!decision.ok || !deps.acceptCommand) {
      if (!decision.ok && decision.reason !== "no command")
        context.log.debug({ deliveryId: context.id, reason: decision.reason }, "issue_comment ignored");
      return;
    }
    await deps.acceptCommand(decision.job);
    const command = decision.job.parsed.kind === "command" ? decision.job.parsed.command.name : "invalid";
    context.log.info({ deliveryId: context.id, number: decision.job.number, command }, "slash command enqueued");
  };
}
