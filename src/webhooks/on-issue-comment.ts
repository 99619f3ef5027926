import type { Logger } from "pino";
import { commandFromComment, type CommandDecision, type CommandJob, type IssueCommentPayload } from "./comment-to-command.js";
import { DEFAULT_COMMAND_WORD } from "./parse-command.js";

export interface CommentHandlerDeps {
  /** Accepts the command into the inbox, which hands it on to the issue's commands actor; unset: comments are ignored. */
  acceptCommand?: (job: CommandJob) => Promise<void>;
  /** The slash-command word (FIXBOT_COMMAND_WORD). */
  commandWord?: string;
  now: () => number;
  allowedOwners?: readonly string[];
}

type CommandFrom<P> = (
  payload: P,
  deliveryId: string,
  now: number,
  options: { word: string; allowedOwners?: readonly string[] },
) => CommandDecision;

/**
 * A comment event's handler: comment to command job (`commandFrom`, pure), then into the inbox. Comments without
 * a command are dropped here; only new comments count (an edited comment never re-triggers a command).
 */
export function handleCommandComment<P>(deps: CommentHandlerDeps, event: string, commandFrom: CommandFrom<P>) {
  return async (context: { id: string; payload: P; log: Logger }): Promise<void> => {
    const decision = commandFrom(context.payload, context.id, deps.now(), {
      word: deps.commandWord ?? DEFAULT_COMMAND_WORD,
      allowedOwners: deps.allowedOwners,
    });
    if (!decision.ok || !deps.acceptCommand) {
      if (!decision.ok && decision.reason !== "no command")
        context.log.debug({ deliveryId: context.id, reason: decision.reason }, `${event} ignored`);
      return;
    }
    await deps.acceptCommand(decision.job);
    const { number, thread, parsed } = decision.job;
    const command = parsed.kind === "command" ? parsed.command.name : "invalid";
    context.log.info({ deliveryId: context.id, number, ...(thread ? { thread: thread.rootId } : {}), command }, "slash command enqueued");
  };
}

/** `issue_comment.created`: a slash command on an issue's or a pull request's conversation. */
export function handleIssueComment(deps: CommentHandlerDeps) {
  return handleCommandComment<IssueCommentPayload>(deps, "issue_comment", commandFromComment);
}
