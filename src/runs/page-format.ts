import type { RunSummary } from "./run-summary.js";

/** Every string from GitHub or an agent goes through this before it reaches HTML (text and attribute values). Pure. */
export function escapeHtml(value: unknown): string {
  return String(value ?? "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** An http(s) URL as given, or undefined (a `javascript:` or otherwise odd link is not rendered). Pure. */
export function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** `1h 02m`, `3m 05s`, `42s`, `0.4s`. Pure. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
}

/** `2025-01-31 14:05:09 UTC`. Pure. */
export function formatTime(epochMs: number | undefined): string {
  if (epochMs === undefined || !Number.isFinite(epochMs)) return "—";
  return `${new Date(epochMs).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** How long the run took, or has been running at `now`. Pure. */
export function runDuration(run: Pick<RunSummary, "startedAt" | "finishedAt" | "status">, now: number): number | undefined {
  if (run.finishedAt !== undefined) return run.finishedAt - run.startedAt;
  return run.status === "running" || run.status === "queued" ? Math.max(0, now - run.startedAt) : undefined;
}

/** `1,200 in / 300 out`, or `not reported`. Pure. */
export function formatTokens(usage: RunSummary["usage"]): string {
  if (usage?.inputTokens === undefined && usage?.outputTokens === undefined) return "not reported";
  const n = (v: number | undefined) => (v === undefined ? "?" : v.toLocaleString("en-US"));
  return `${n(usage.inputTokens)} in / ${n(usage.outputTokens)} out`;
}

/** `$0.0312`, or `not reported`. Pure. */
export function formatCost(costUsd: number | undefined): string {
  if (costUsd === undefined || !Number.isFinite(costUsd)) return "not reported";
  return `$${costUsd < 1 ? costUsd.toFixed(4) : costUsd.toFixed(2)}`;
}

/** `2`, or `2 of 3`. Pure. */
export function formatAttempts(run: Pick<RunSummary, "attempts" | "maxAttempts">): string {
  return run.maxAttempts ? `${run.attempts} of ${run.maxAttempts}` : String(run.attempts);
}
