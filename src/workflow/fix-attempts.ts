import { addUsage, exceededBudget, remainingBudget, type Usage } from "../agents/usage.js";
import type { RepoConfig } from "../config/repo.schema.js";
import { usesVm } from "../limits/uses-vm.js";
import type { Steps } from "../steps/index.js";
import { budgetError, judgeAttempt } from "./decide.js";
import type { FixRunState } from "./fix-run-state.js";
import type { FlowContext } from "./flow-context.js";
import { agentTimeoutMs, stepPolicies, withSlot } from "./step-policies.js";
import { buildFeedback, buildTaskText } from "./task-text.js";
import type { RunIO, TrackedSteps } from "./tracked-steps.js";
import type { Checkpoint, FixJob, RunView, TestSummary } from "./types.js";
import type { AttemptUsage } from "../github/usage-text.js";
import { checkSpend, recordSpend } from "./spend-steps.js";

export type Attempt = Checkpoint["attempts"][number];

/** How the attempts ended: a change whose tests ran (passing or not), or a stop with its status and error. */
export type AttemptsOutcome =
  | { kind: "tested"; patch: string; last: Attempt; tests: TestSummary; usage: AttemptUsage[] }
  | { kind: "stopped"; status: RunView["status"]; error?: RunView["error"]; tests?: TestSummary; agentSummary?: string };

export interface AttemptsInput {
  job: FixJob;
  config: RepoConfig;
  baseSha: string;
  testCommand: string;
  /** The continued run's checkpoint (`/fixbot retry`): its finished attempts are reused, not run again. */
  prior: Checkpoint | null;
  /** The issue's human comments, quoted (from check-request). */
  discussion?: string;
}

/**
 * The agent and the tests, in turns: the agent edits, the tests run on its change, their failures go back to the
 * agent, up to `maxAttempts`. Stops early on a used-up budget or an attempt that changed nothing.
 */
export async function runAttempts(
  ctx: FlowContext<FixRunState>,
  step: TrackedSteps,
  steps: Steps,
  io: RunIO,
  p: AttemptsInput,
): Promise<AttemptsOutcome> {
  const { job, config, baseSha, testCommand, prior } = p;
  const policy = stepPolicies(config);
  const instructions = [config.instructions, job.instructions ?? ""].filter((s) => s.trim()).join("\n\n");
  const task = buildTaskText({
    repo: `${job.repo.owner}/${job.repo.name}`,
    issue: job.issue,
    instructions,
    testCommand,
    discussion: p.discussion,
  });
  let patch = "";
  let last: Attempt | undefined;
  let tests: TestSummary | undefined;
  let used: Usage = {};
  const usages: AttemptUsage[] = [];
  for (let attempt = 1; attempt <= config.maxAttempts; attempt++) {
    const agentStep = `run-agent#${attempt}`;
    const stop = (status: RunView["status"], error?: RunView["error"]): AttemptsOutcome => ({
      kind: "stopped",
      status,
      error,
      tests,
      agentSummary: last?.summary,
    });
    await step.record(`begin-attempt#${attempt}`, (view) => ({ ...view, attempts: attempt }));
    const remainingMs = await measureTimeLeft(ctx, io, job, config, attempt);
    if (remainingMs <= 0)
      return stop("error", budgetError({ name: "time", step: agentStep, budgets: config.budgets, used, source: job.source }));
    const spendStop = await checkSpend(ctx, steps, io, job, attempt);
    if (spendStop) return stop("error", spendStop);

    const feedback = tests ? buildFeedback(tests) : undefined;
    const previousPatch = patch;
    const recorded = prior?.attempts.find((a) => a.attempt === attempt);
    last = await step.reuseOrRun(
      recorded,
      agentStep,
      withSlot(policy.agent, steps.slotFor(job, usesVm(config.agent, "edit"), agentStep)),
      (signal) =>
        steps.runAgent({
          job,
          config,
          baseSha,
          attempt,
          previousPatch,
          task,
          feedback,
          signal,
          budget: remainingBudget(config.budgets, used),
          timeoutMs: agentTimeoutMs(config, remainingMs),
        }),
      {
        describe: (r) => (r.patch === previousPatch ? "no change" : `${r.files.length} file(s), +${r.insertions}/-${r.deletions}`),
        remember: (cp, r) => ({ ...cp, attempts: [...cp.attempts.filter((a) => a.attempt !== attempt), r] }),
      },
    );
    if (!recorded) await recordSpend(ctx, steps, io, job, attempt, last.usage);
    used = addUsage(used, last.usage ?? {});
    usages.push({ attempt, usage: last.usage });
    const overBudget = last.stoppedBy ?? exceededBudget(used, config.budgets);
    if (overBudget)
      return stop("error", budgetError({ name: overBudget, step: agentStep, budgets: config.budgets, used, source: job.source }));
    const verdict = judgeAttempt({
      source: job.source,
      attempt,
      step: agentStep,
      patch: last.patch,
      previousPatch,
      exitCode: last.exitCode,
      timedOut: last.timedOut,
      timeoutSeconds: config.timeouts.agent,
      summary: last.summary,
    });
    if (verdict.kind === "stop") return stop(verdict.status, verdict.error);

    patch = last.patch;
    const testedPatch = patch;
    const testStep = `run-tests#${attempt}`;
    tests = await step.reuseOrRun(
      recorded?.tests,
      testStep,
      withSlot(policy.tests, steps.slotFor(job, false, testStep)),
      (signal) => steps.runTests({ job, config, baseSha, patch: testedPatch, testCommand, signal }),
      {
        describe: (t) => (t.passed ? "passed" : t.timedOut ? "timed out" : `failed (exit ${t.exitCode})`),
        remember: (cp, t) => ({ ...cp, attempts: cp.attempts.map((a) => (a.attempt === attempt ? { ...a, tests: t } : a)) }),
      },
    );
    if (tests.passed) break;
  }
  if (!tests || !last) throw new Error("the attempt loop ended without a test result");
  return { kind: "tested", patch, last, tests, usage: usages };
}

/** The run's time left, measured once per attempt and recorded, so a replay takes the same decision. */
function measureTimeLeft(ctx: FlowContext<FixRunState>, io: RunIO, job: FixJob, config: RepoConfig, attempt: number): Promise<number> {
  // Ephemeral: written with the agent step that acts on it; a crash before then measures again.
  return ctx.step({
    name: `check-budget#${attempt}`,
    ephemeral: true,
    timeout: 10_000,
    maxRetries: 1,
    run: async () => job.receivedAt + config.budgets.runMinutes * 60_000 - io.now(),
  });
}
