import type { Sandbox } from "../sandbox/sandbox.js";
import type { RunRecord } from "../workflow/types.js";
import { stepLabel, type Metrics } from "./registry.js";

/**
 * Counts a finished fix run: its status, attempts and the usage its agent attempts reported. Called from the
 * run's record-outcome step (once per run unless a crash repeats that step). Attempts whose backend reported
 * nothing are counted as unreported, never as zero.
 */
export function recordFixRun(metrics: Metrics, view: RunRecord): void {
  metrics.runs.inc({ kind: "fix", status: view.status });
  if (view.status === "ignored") return;
  metrics.attempts.inc(view.attempts);
  for (const attempt of view.checkpoint?.attempts ?? []) {
    const usage = attempt.usage;
    if (!usage || Object.values(usage).every((v) => v === undefined)) {
      metrics.unreportedAttempts.inc();
      continue;
    }
    if (usage.turns) metrics.turns.inc(usage.turns);
    if (usage.inputTokens) metrics.tokens.inc({ direction: "input" }, usage.inputTokens);
    if (usage.outputTokens) metrics.tokens.inc({ direction: "output" }, usage.outputTokens);
    if (usage.costUsd) metrics.costUsd.inc(usage.costUsd);
  }
}

/** Counts a finished pull request review run by its status. */
export function recordReviewRun(metrics: Metrics, status: string): void {
  metrics.runs.inc({ kind: "review", status });
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
