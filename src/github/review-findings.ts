import { inertMarkdown } from "./quote-text.js";
import { commentableLines, type DiffFile } from "../diff/diff.js";
import type { SkippedFile } from "../diff/diff-chunks.js";
import { proposedReplacement, readSuggestion, suggestionFits, type SuggestionFields } from "./suggestions.js";

/**
 * One inline finding of the review agent, printed as a JSON line: `{"path": "src/a.ts", "line": 12, "body": "..."}`,
 * optionally with replacement lines (`"suggestion"`, `"startLine"`: see suggestions.ts).
 */
export interface Finding extends SuggestionFields {
  path: string;
  /** Line number on the new side of the diff. */
  line: number;
  body: string;
  severity?: "info" | "warning" | "error";
}

/** GitHub rejects an issue, review or review-comment body longer than this many characters. */
export const GITHUB_BODY_LIMIT = 65_536;

const SEVERITIES = new Set(["info", "warning", "error"]);
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Splits the review agent's stdout into inline findings (JSON lines, wherever they appear, even inside a code
 * fence) and the summary (every other line, in order). A line that looks like JSON but is not a valid finding
 * stays in the summary, so nothing the agent wrote is dropped. A fence left empty by removing findings is dropped
 * too, and finding bodies are capped to what GitHub accepts.
 */
export function parseReviewOutput(stdout: string): { summary: string; findings: Finding[] } {
  const findings: Finding[] = [];
  const kept: string[] = [];
  for (const line of stdout.replace(/\r\n?/g, "\n").split("\n")) {
    const finding = parseFindingLine(line);
    if (finding) findings.push(finding);
    else kept.push(line);
  }
  // The agent's words keep their markdown but nothing live: no mention, closing keyword, image or HTML.
  return { summary: inertMarkdown(tidy(dropEmptyFences(kept))), findings };
}

function parseFindingLine(line: string): Finding | undefined {
  const text = line.trim().replace(/,$/, "");
  if (!text.startsWith("{") || !text.endsWith("}")) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const fields = value as Record<string, unknown>;
  const { path, line: lineNo, body, severity } = fields;
  if (typeof path !== "string" || typeof body !== "string" || !body.trim()) return undefined;
  if (typeof lineNo !== "number" || !Number.isInteger(lineNo) || lineNo < 1) return undefined;
  const cleanPath = path.trim().replace(/^\.\//, "");
  if (!cleanPath) return undefined;
  if (severity !== undefined && !(typeof severity === "string" && SEVERITIES.has(severity))) return undefined;
  const suggestion = readSuggestion(fields, lineNo);
  if (!suggestion) return undefined;
  const finding: Finding = { path: cleanPath, line: lineNo, body: truncateBody(inertMarkdown(body.trim())) };
  if (severity !== undefined) finding.severity = severity as Finding["severity"];
  return { ...finding, ...suggestion };
}

function dropEmptyFences(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? "");
    if (open?.[1]) {
      let j = i + 1;
      while (j < lines.length && !(lines[j] ?? "").trim()) j++;
      if (j < lines.length && isClosingFence(lines[j] ?? "", open[1])) {
        i = j;
        continue;
      }
    }
    out.push(lines[i] ?? "");
  }
  return out;
}

function isClosingFence(line: string, opening: string): boolean {
  const m = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
  return !!m?.[1] && m[1][0] === opening[0] && m[1].length >= opening.length;
}

function tidy(lines: string[]): string {
  return lines
    .join("\n")
    .replace(/\n[ \t]*\n(?:[ \t]*\n)+/g, "\n\n")
    .trim();
}

/**
 * Splits findings into those GitHub can place inline (path in the diff and line commentable) and the rest (go
 * into the summary). One misplaced comment makes GitHub reject the whole review, so this is checked up front. A
 * finding with a suggestion goes inline only when every line it replaces is in the diff.
 */
export function placeFindings(findings: Finding[], files: DiffFile[]): { inline: Finding[]; outside: Finding[] } {
  const lines = new Map<string, Set<number>>();
  for (const file of files) if (!file.binary) lines.set(file.path, commentableLines(file));
  const inline: Finding[] = [];
  const outside: Finding[] = [];
  for (const f of findings) (lines.get(f.path)?.has(f.line) && suggestionFits(f, files) ? inline : outside).push(f);
  return { inline, outside };
}

const REASONS: Record<SkippedFile["reason"], string> = {
  generated: "generated file",
  lockfile: "lockfile",
  binary: "binary file",
  "too-large": "too large for the review budget",
  "ignored-path": "matches `pullRequests.ignorePaths`",
};
const SEVERITY_ICON = { info: "ℹ️", warning: "⚠️", error: "❌" } as const;

export interface ReviewBodyParams {
  summary: string;
  outside: Finding[];
  skipped: SkippedFile[];
  /** Shas of the reviewed range, shown as "Reviewed commits abc1234..def5678". */
  coveredRange?: { from: string; to: string };
  /** Hidden HTML comment put first, so the review can be found again. */
  marker: string;
}

/**
 * The review body: the summary, the findings that could not be placed inline (with path:line), and the
 * skipped-files list. Never silently partial: when the body would exceed GitHub's limit, the sections share the
 * space and each cut one says "(truncated)" and how much was left out.
 */
export function renderReviewBody(params: ReviewBodyParams): string {
  const footer = params.coveredRange
    ? `<sub>Reviewed commits ${params.coveredRange.from.slice(0, 7)}..${params.coveredRange.to.slice(0, 7)}</sub>`
    : "";
  const summary = params.summary.trim() || "_The reviewer wrote no summary._";
  const findings = params.outside.map(findingItem);
  const skipped = params.skipped.map((s) => `- ${code(s.path)} — ${REASONS[s.reason]}`);
  const findingsHead = `### Findings outside the diff (${findings.length})\n\nThese lines are not part of the change, so they could not be commented inline.\n\n`;
  const skippedHead = `### Files not reviewed (${skipped.length})\n\n`;
  const fixed = [params.marker, footer, findings.length ? findingsHead : "", skipped.length ? skippedHead : ""];
  const budget = GITHUB_BODY_LIMIT - fixed.reduce((n, s) => n + s.length, 0) - 200;
  const [summaryMax = 0, findingsMax = 0, skippedMax = 0] = share(budget, [summary.length, listLength(findings), listLength(skipped)]);
  const parts = [params.marker, truncateBody(summary, summaryMax)];
  if (findings.length) parts.push(findingsHead + fitList(findings, findingsMax, "findings"));
  if (skipped.length) parts.push(skippedHead + fitList(skipped, skippedMax, "files"));
  if (footer) parts.push(footer);
  return truncateBody(parts.join("\n\n"), GITHUB_BODY_LIMIT);
}

function findingItem(f: Finding): string {
  const severity = f.severity ? `${SEVERITY_ICON[f.severity]} **${f.severity}** ` : "";
  const text = f.suggestion !== undefined ? `${f.body}\n\n${proposedReplacement(f.suggestion)}` : f.body;
  const body = text.replace(/\n/g, "\n  ");
  const where = f.startLine !== undefined ? `${f.path}:${f.startLine}-${f.line}` : `${f.path}:${f.line}`;
  return `- ${severity}${code(where)} — ${body}`;
}

/** Inline code that survives backticks in the text. */
function code(text: string): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const ticks = "`".repeat(longest + 1);
  return longest ? `${ticks} ${text} ${ticks}` : `${ticks}${text}${ticks}`;
}

function listLength(items: string[]): number {
  return items.reduce((n, s) => n + s.length + 1, 0);
}

/** Fair share of `total` between wants: small sections get all they want, the large ones split the rest evenly. */
function share(total: number, wants: number[]): number[] {
  const out = wants.map(() => 0);
  let left = Math.max(0, total);
  const order = wants.map((w, i) => ({ w, i })).sort((a, b) => a.w - b.w);
  order.forEach(({ w, i }, k) => {
    const give = Math.min(w, Math.floor(left / (order.length - k)));
    out[i] = give;
    left -= give;
  });
  return out;
}

/** Whole list items up to `max` characters, then a line saying how many were left out. */
function fitList(items: string[], max: number, noun: string): string {
  if (listLength(items) <= max) return items.join("\n");
  const out: string[] = [];
  let used = 0;
  for (const item of items) {
    const capped = truncateBody(item, Math.max(200, Math.floor(max / 4)));
    if (used + capped.length + 1 > max - 80) break;
    out.push(capped);
    used += capped.length + 1;
  }
  if (out.length < items.length) out.push(`- … and ${items.length - out.length} more ${noun} (truncated)`);
  return out.join("\n");
}

/**
 * Caps a markdown body at `limit` characters with a visible "(truncated)" note, closing a code fence the cut
 * left open so the note (and anything after it) is not swallowed into the code block.
 */
export function truncateBody(text: string, limit: number = GITHUB_BODY_LIMIT): string {
  if (text.length <= limit) return text;
  let cut = Math.max(0, limit - 60);
  for (;;) {
    if (/[\uD800-\uDBFF]/.test(text[cut - 1] ?? "")) cut--;
    const head = text.slice(0, cut);
    const open = openFence(head);
    const out = `${head}${open ? `\n${open}` : ""}\n\n… (truncated: ${text.length - cut} more characters)`;
    if (out.length <= limit || cut === 0) return out;
    cut = Math.max(0, cut - (out.length - limit));
  }
}

/** The fence string still open at the end of `text`, if any. */
function openFence(text: string): string | undefined {
  let open: string | undefined;
  for (const line of text.split("\n")) {
    if (open) {
      if (isClosingFence(line, open)) open = undefined;
    } else {
      const m = FENCE.exec(line);
      if (m?.[1] && !(m[1][0] === "`" && line.slice(line.indexOf(m[1]) + m[1].length).includes("`"))) open = m[1];
    }
  }
  return open;
}
