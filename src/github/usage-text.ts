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

function totalCell(column: Column, attempts: readonly AttemptUsage[]): string {
  const values = attempts.map((a) => (a.usage ? column.value(a.usage) : undefined));
  const reported = values.filter((v): v is number => v !== undefined);
  if (reported.length === 0) return NOT_REPORTED;
  const sum = column.show(reported.reduce((a, b) => a + b, 0));
  return reported.length === values.length ? sum : `${sum} (${reported.length} of ${values.length} attempts reported)`;
}

/**
 * The agent's usage per attempt and in total, as a Markdown table, whichever backend ran. What a backend did
 * not report says "not reported", never 0. Pure.
 */
export function usageTable(attempts: readonly AttemptUsage[]): string {
  if (attempts.length === 0) return "";
  const sorted = [...attempts].sort((a, b) => a.attempt - b.attempt);
  const rows = [
    `| attempt | ${COLUMNS.map((c) => c.title).join(" | ")} |`,
    `| --- | ${COLUMNS.map(() => "---").join(" | ")} |`,
    ...sorted.map((a) => `| ${a.attempt} | ${COLUMNS.map((c) => cell(c, a.usage)).join(" | ")} |`),
  ];
  if (sorted.length > 1) rows.push(`| **total** | ${COLUMNS.map((c) => totalCell(c, sorted)).join(" | ")} |`);
  return ["**Agent usage**", "", ...rows].join("\n");
}
