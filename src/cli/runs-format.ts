import type { RunSummary } from "../runs/run-summary.js";

/** "42s", "3m 05s", "1h 02m". Pure. */
export function durationText(ms: number | undefined): string {
  if (ms === undefined || ms < 0) return "-";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** "2026-12-02 11:48" (UTC). Pure. */
export function timeText(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 16).replace("T", " ");
}

/** How long the run took, or has been running so far ("running 42s"). Pure. */
export function runDuration(run: Pick<RunSummary, "startedAt" | "finishedAt">, now: number): string {
  return run.finishedAt !== undefined ? durationText(run.finishedAt - run.startedAt) : `running ${durationText(now - run.startedAt)}`;
}

export function tokensText(run: Pick<RunSummary, "usage">): string {
  if (!run.usage || (run.usage.inputTokens === undefined && run.usage.outputTokens === undefined)) return "-";
  return String((run.usage.inputTokens ?? 0) + (run.usage.outputTokens ?? 0));
}

export function costText(run: Pick<RunSummary, "usage">): string {
  return run.usage?.costUsd === undefined ? "-" : `$${run.usage.costUsd.toFixed(4)}`;
}

function attemptsText(run: Pick<RunSummary, "attempts" | "maxAttempts">): string {
  return run.maxAttempts ? `${run.attempts}/${run.maxAttempts}` : String(run.attempts);
}

/** Rows as aligned columns (two spaces apart). Pure. */
export function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n");
}

const LIST_HEADER = ["REPO", "#", "KIND", "STATUS", "REQUESTED BY", "STARTED (UTC)", "DURATION", "ATTEMPTS", "TOKENS", "COST", "ID"];

/** `fixbot runs`: one line per run, newest first as given. Pure. */
export function runsTable(runs: readonly RunSummary[], now: number): string {
  if (runs.length === 0) return "No runs.";
  const rows = runs.map((r) => [
    r.repo,
    String(r.number),
    r.kind,
    r.status,
    r.requestedBy,
    timeText(r.startedAt),
    runDuration(r, now),
    attemptsText(r),
    tokensText(r),
    costText(r),
    r.id,
  ]);
  return columns([LIST_HEADER, ...rows]);
}

function block(title: string, text: string | undefined): string[] {
  return text ? ["", `${title}:`, ...text.split("\n").map((l) => `  ${l}`)] : [];
}

/** `fixbot runs <id>`: the run, its steps with durations and starts, test tail, agent summary, review. Pure. */
export function runDetail(run: RunSummary, now: number): string {
  const links = Object.entries(run.links).map(([name, url]) => `  ${name}: ${url}`);
  const steps = run.steps.map((s) => [s.name, s.status, durationText(s.durationMs), String(s.starts)]);
  return [
    `Run ${run.id}: ${run.kind} of ${run.repo}#${run.number}, ${run.status}`,
    `Requested by ${run.requestedBy}, started ${timeText(run.startedAt)} UTC, ${runDuration(run, now)}`,
    `Attempts ${attemptsText(run)}, tokens ${tokensText(run)}, cost ${costText(run)}${run.usage?.turns !== undefined ? `, turns ${run.usage.turns}` : ""}`,
    "Links:",
    ...links,
    "",
    "Steps:",
    steps.length > 0 ? columns([["STEP", "STATUS", "DURATION", "STARTS"], ...steps]).replace(/^/gm, "  ") : "  (none yet)",
    ...block("Error", run.error),
    ...block("Tests (tail)", run.testTail),
    ...block("Agent summary", run.agentSummary),
    ...block("Review", run.reviewSummary),
  ].join("\n");
}
