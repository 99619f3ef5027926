import type { Usage } from "../agents/usage.js";
import type { Sandbox } from "../sandbox/sandbox.js";
import type { RunRecord } from "../workflow/types.js";
import { stepLabel, type Metrics } from "./registry.js";

/** Which agent reported usage: the fixing agent ("edit") or the review agent ("review": reviews and answers). */
export type AgentRole = "edit" | "review";

/**
 * Counts a finished fix run: its status, attempts and the usage its agent attempts (role "edit") and its review
 * (role "review") reported. Called from the run's record-outcome step (once per run unless a crash repeats that
 * step). Attempts whose backend reported nothing are counted as unreported, never as zero.
 */
export function recordFixRun(metrics: Metrics, view: RunRecord): void {
  metrics.runs.inc({ kind: "fix", status: view.status });
  if (view.status === "ignored") return;
  metrics.attempts.inc(view.attempts);
  for (const attempt of view.checkpoint?.attempts ?? []) {
    if (!recordAgentUsage(metrics, "edit", attempt.usage)) metrics.unreportedAttempts.inc();
  }
  recordAgentUsage(metrics, "review", view.checkpoint?.reviewUsage);
}

/** Counts a finished pull request review run by its status, and what its review agent reported using. */
export function recordReviewRun(metrics: Metrics, status: string, usage?: Usage): void {
  metrics.runs.inc({ kind: "review", status });
  recordAgentUsage(metrics, "review", usage);
}

/** Adds what one agent reported to the turn, token and cost counters under its role. False when it reported nothing. */
export function recordAgentUsage(metrics: Metrics, role: AgentRole, usage: Usage | undefined): boolean {
  if (!usage || Object.values(usage).every((v) => v === undefined)) return false;
  if (usage.turns) metrics.turns.inc({ role }, usage.turns);
  if (usage.inputTokens) metrics.tokens.inc({ role, direction: "input" }, usage.inputTokens);
  if (usage.outputTokens) metrics.tokens.inc({ role, direction: "output" }, usage.outputTokens);
  if (usage.costUsd) metrics.costUsd.inc({ role }, usage.costUsd);
  return true;
}

/** What durableStep reports when a step ends in this process. */
export function stepTimer(metrics: Metrics) {
  return (name: string, ms: number, ok: boolean) =>
    metrics.stepDuration.observe({ step: stepLabel(name), result: ok ? "done" : "failed" }, ms / 1000);
}

/** The sandbox, counting the limits its commands hit (SandboxResult.limitsHit). */
export function meteredSandbox(sandbox: Sandbox, metrics: Metrics): Sandbox {
  return {
    enabled: sandbox.enabled,
    paths: (spec) => sandbox.paths(spec),
    check: () => sandbox.check(),
    async run(spec) {
      const result = await sandbox.run(spec);
      for (const limit of result.limitsHit ?? []) metrics.sandboxLimits.inc({ limit });
      return result;
    },
  };
}
