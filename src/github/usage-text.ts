import { totalTokens, type Usage } from "../agents/usage.js";

/** One attempt's reported usage (undefined: the backend reported none). */
export interface AttemptUsage {
  attempt: number;
  usage?: Usage;
}

const NOT_REPORTED = "not reported";
const int = (n: number) => Math.round(n).toLocaleString("en-US");
const usd = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;

type Column = { title: string; value: (u: Usage) => number | undefined; show: (n: number, u?: Usage) => string };

const COLUMNS: Column[] = [
  { title: "turns", value: (u) => u.turns, show: int },
  {
    title: "tokens (in / out)",
    value: (u) => (u.inputTokens === undefined && u.outputTokens === undefined ? undefined : totalTokens(u)),
    show: (n, u) =>
      u
        ? `${int(n)} (${u.inputTokens === undefined ? "?" : int(u.inputTokens)} / ${u.outputTokens === undefined ? "?" : int(u.outputTokens)})`
        : int(n),
  },
  { title: "cost", value: (u) => u.costUsd, show: usd },
];

function cell(column: Column, usage: Usage | undefined): string {
  const n = usage ? column.value(usage) : undefined;
  return n === undefined ? NOT_REPORTED : column.show(n, usage);
}

/** One row of the table: an attempt of the fixing agent, or the review agent's review. */
interface Row {
  label: string;
  usage?: Usage;
  review: boolean;
}

function totalCell(column: Column, rows: readonly Row[]): string {
  const value = (r: Row) => (r.usage ? column.value(r.usage) : undefined);
  const reported = rows.map(value).filter((v): v is number => v !== undefined);
  if (reported.length === 0) return NOT_REPORTED;
  const sum = column.show(reported.reduce((a, b) => a + b, 0));
  const attempts = rows.filter((r) => !r.review);
  const attemptsReported = attempts.filter((r) => value(r) !== undefined).length;
  const notes = [
    ...(attemptsReported < attempts.length ? [`${attemptsReported} of ${attempts.length} attempts reported`] : []),
    ...(rows.some((r) => r.review && value(r) === undefined) ? ["review not reported"] : []),
  ];
  return notes.length ? `${sum} (${notes.join("; ")})` : sum;
}

/**
 * The agent's usage per attempt and in total, as a Markdown table, whichever backend ran; with a "review" row when
 * the review agent reported usage. What a backend did not report says "not reported", never 0. Pure.
 */
export function usageTable(attempts: readonly AttemptUsage[], review?: Usage): string {
  if (attempts.length === 0 && !review) return "";
  const rows: Row[] = [...attempts]
    .sort((a, b) => a.attempt - b.attempt)
    .map((a) => ({ label: String(a.attempt), usage: a.usage, review: false }));
  if (review) rows.push({ label: "review", usage: review, review: true });
  const lines = [
    `| attempt | ${COLUMNS.map((c) => c.title).join(" | ")} |`,
    `| --- | ${COLUMNS.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.label} | ${COLUMNS.map((c) => cell(c, r.usage)).join(" | ")} |`),
  ];
  if (rows.length > 1) lines.push(`| **total** | ${COLUMNS.map((c) => totalCell(c, rows)).join(" | ")} |`);
  return ["**Agent usage**", "", ...lines].join("\n");
}

/** Whether a usage report holds any number at all (an empty report is "not reported", never 0). Pure. */
export function usageReported(usage: Usage | undefined): usage is Usage {
  return usage !== undefined && Object.values(usage).some((v) => v !== undefined);
}

/** `1,200 tokens (1,000 in / 200 out)`; "?" for a direction not reported. */
function tokensText(usage: Usage): string {
  const part = (n: number | undefined) => (n === undefined ? "?" : int(n));
  return `${int(totalTokens(usage))} tokens (${part(usage.inputTokens)} in / ${part(usage.outputTokens)} out)`;
}

/**
 * A short line for a review or an answer: `2 turns · 1,200 tokens (1,000 in / 200 out) · $0.0300`, leaving out what
 * the agent did not report; undefined when it reported nothing. Pure.
 */
export function usageLine(usage: Usage | undefined): string | undefined {
  if (!usageReported(usage)) return undefined;
  const parts = [
    ...(usage.turns !== undefined ? [`${int(usage.turns)} turn${usage.turns === 1 ? "" : "s"}`] : []),
    ...(usage.inputTokens !== undefined || usage.outputTokens !== undefined ? [tokensText(usage)] : []),
    ...(usage.costUsd !== undefined ? [usd(usage.costUsd)] : []),
  ];
  return parts.join(" · ");
}
