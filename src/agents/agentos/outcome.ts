import type { BudgetName } from "../usage.js";

/** How a prompt ended, seen from fixbot. */
export type PromptEnd =
  { kind: "finished"; stopReason: string; text: string } | { kind: "timeout" } | { kind: "budget"; name: BudgetName } | { kind: "aborted" };

export type SessionOutcome =
  { kind: "result"; text: string; timedOut: boolean; stoppedBy?: BudgetName } | { kind: "error"; message: string };

/**
 * pi does not fail a prompt on a provider error: after its retries it ends the turn normally with the error as
 * its last message ("500 {"type":"error",...}", "Connection error."). Recognises that text. Pure.
 */
export function providerErrorInText(text: string): string | undefined {
  const t = text.trim();
  if (/^\d{3} \{\s*"type"\s*:\s*"error"/.test(t) || /^(Connection error\.?|Request timed out\.?)$/i.test(t)) return t;
  return undefined;
}

/**
 * What a finished, stopped or failed prompt means for the step. A budget or the timeout is a result (the caller
 * reports it); a provider error is an error whose text reaches the user, never "the agent made no change". The
 * proxy's record of the last request wins over guessing from the text. Pure.
 */
export function sessionOutcome(params: {
  end: Exclude<PromptEnd, { kind: "aborted" }>;
  providerError?: string;
  streamedText: string;
}): SessionOutcome {
  const { end } = params;
  if (end.kind === "budget") return { kind: "result", text: params.streamedText.trim(), timedOut: false, stoppedBy: end.name };
  if (end.kind === "timeout") return { kind: "result", text: params.streamedText.trim(), timedOut: true };
  const error =
    params.providerError ??
    providerErrorInText(end.text) ??
    (end.stopReason === "error" ? end.text.trim() || "the agent stopped with an error" : undefined);
  if (error !== undefined)
    return { kind: "error", message: `The model provider returned an error: ${error.length > 1000 ? `${error.slice(0, 999)}…` : error}` };
  return { kind: "result", text: end.text.trim() || params.streamedText.trim(), timedOut: false };
}
