import type { DeadLetter } from "./dead-letters.js";

/** Where and what fixbot answers when it gave up on a user's request (a dead letter). */
export interface DeadLetterReply {
  installationId: number;
  owner: string;
  repo: string;
  number: number;
  body: string;
}

interface JobFields {
  installationId?: number;
  repo?: { owner?: string; name?: string };
  issue?: { number?: number };
  number?: number;
  pr?: { number?: number };
}

/**
 * The reply on the issue or pull request a dead letter came from, or undefined when the job names none (then
 * the log line with the delivery id is all there is). Pure.
 */
export function deadLetterReply(letter: DeadLetter): DeadLetterReply | undefined {
  const job = (letter.entry.job ?? {}) as JobFields;
  const number = job.number ?? job.issue?.number ?? job.pr?.number;
  if (!job.installationId || !job.repo?.owner || !job.repo.name || !number) return undefined;
  const reason = letter.reason.replace(/`/g, "'").slice(0, 300);
  const body = [
    `<!-- fixbot:dead-letter delivery=${letter.entry.id.replace(/[^A-Za-z0-9._:-]/g, "_")} -->`,
    "### ⚠️ fixbot could not take this request",
    "",
    `fixbot received it (delivery \`${letter.entry.id}\`) but could not hand it to its workflow after ${letter.attempts} tries: \`${reason}\`. Nothing was run.`,
    "",
    "Ask again (label the issue again or post the command again); if this keeps happening, an operator finds the request in the `inbox/dead-letters` folder of fixbot's data directory.",
  ].join("\n");
  return { installationId: job.installationId, owner: job.repo.owner, repo: job.repo.name, number, body };
}
