import { commentableLines, type DiffFile } from "../diff/diff.js";

/**
 * Committable suggestions: a review finding may carry replacement lines (`"suggestion"` in its JSON line, for
 * the lines `startLine`..`line` or just `line`). GitHub shows a ```suggestion block in an inline comment as a
 * change the PR's author can commit with one click; it applies only to lines of the diff, so a suggestion is
 * placed inline only when every line it replaces is commentable. Pure.
 */

/** Longest replacement accepted from the agent; a longer one is not a suggestion any reviewer would commit. */
export const MAX_SUGGESTION_CHARS = 8_000;
/** Most lines a suggestion may replace (GitHub's multi-line comments stay within one hunk anyway). */
export const MAX_SUGGESTION_SPAN = 50;

export interface SuggestionFields {
  /** Replacement text for the lines `startLine`..`line` (without a trailing newline). */
  suggestion?: string;
  /** First replaced line (new side); absent: only `line`. */
  startLine?: number;
}

/**
 * Reads the optional `suggestion` and `startLine` of a finding's JSON object. Returns undefined when they are
 * malformed (the whole line then stays in the summary, as any invalid finding does).
 */
export function readSuggestion(value: Record<string, unknown>, line: number): SuggestionFields | undefined {
  const { suggestion, startLine } = value;
  if (suggestion === undefined && startLine === undefined) return {};
  if (suggestion !== undefined && typeof suggestion !== "string") return undefined;
  if (
    startLine !== undefined &&
    (typeof startLine !== "number" ||
      !Number.isInteger(startLine) ||
      startLine < 1 ||
      startLine > line ||
      line - startLine >= MAX_SUGGESTION_SPAN)
  )
    return undefined;
  if (suggestion === undefined) return undefined;
  if (suggestion.length > MAX_SUGGESTION_CHARS) return undefined;
  const text = suggestion.replace(/\r\n?/g, "\n").replace(/\n$/, "");
  return startLine !== undefined && startLine < line ? { suggestion: text, startLine } : { suggestion: text };
}

/** True when every line the suggestion replaces is one GitHub accepts a comment on (added or context lines). */
export function suggestionFits(finding: { path: string; line: number; startLine?: number }, files: DiffFile[]): boolean {
  const file = files.find((f) => f.path === finding.path && !f.binary);
  if (!file) return false;
  const lines = commentableLines(file);
  for (let n = finding.startLine ?? finding.line; n <= finding.line; n++) if (!lines.has(n)) return false;
  return true;
}

/**
 * A ```suggestion block holding `text` verbatim: its fence is longer than any backtick run in the text, so the
 * agent's text cannot close it early and nothing in it is live markdown.
 */
export function suggestionBlock(text: string): string {
  let longest = 2;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const ticks = "`".repeat(longest + 1);
  return `${ticks}suggestion\n${text}\n${ticks}`;
}

/** The same replacement shown as plain code in the review body (GitHub cannot apply it there). */
export function proposedReplacement(text: string): string {
  let longest = 2;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const ticks = "`".repeat(longest + 1);
  return `Proposed replacement:\n${ticks}\n${text}\n${ticks}`;
}
