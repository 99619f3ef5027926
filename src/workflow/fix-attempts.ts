import { addUsage, exceededBudget, remainingBudget, type Usage } from "../agents/usage.js";
import type { RepoConfig } from "../config/repo.schema.js";
import { usesVm } from "../limits/uses-vm.js";
import type { Steps } from "../steps/index.js";
import { budgetError, judgeAttempt } from "./decide.js";
import type { FixRunState } from "./fix-run-state.js";
import type { FlowContext } from "./flow-context.js";
import { agentTimeoutMs, stepPolicies, withSlot } from "./step-policies.js";
import { buildFeedback, buildTaskText } from "./task-text.js";
import { threadsText } from "./threads/thread-text.js";
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

/** Where the attempts stand: the change so far, the last agent result and test result, the usage so far. */
interface Progress {
  patch: string;
  last?: Attempt;
  tests?: TestSummary;
  used: Usage;
  usages: AttemptUsage[];
}

/**
 * The agent and the tests, in turns: the agent edits, the tests run on its change, their failures go back to the
 * agent, up to `maxAttempts`. Stops early on a used-up budget or spend window, or an attempt that changed nothing.
 */
export async function runAttempts(
  ctx: FlowContext<FixRunState>,
  step: TrackedSteps,
  steps: Steps,
  io: RunIO,
  p: AttemptsInput,
): Promise<AttemptsOutcome> {
  const { job, config } = p;
  const task = taskFor(p);
  const at: Progress = { patch: "", used: {}, usages: [] };
  const stop = (status: RunView["status"], error?: RunView["error"]): AttemptsOutcome => ({
    kind: "stopped",
    status,
    error,
    tests: at.tests,
    agentSummary: at.last?.summary,
  });
  for (let attempt = 1; attempt <= config.maxAttempts; attempt++) {
    const agentStep = `run-agent#${attempt}`;
    await step.record(`begin-attempt#${attempt}`, (view) => ({ ...view, attempts: attempt }));
    const remainingMs = await measureTimeLeft(ctx, io, job, config, attempt);
    if (remainingMs <= 0)
      return stop("error", budgetError({ name: "time", step: agentStep, budgets: config.budgets, used: at.used, source: job.source }));
    const spendStop = await checkSpend(ctx, steps, io, job, attempt);
    if (spendStop) return stop("error", spendStop);

    const recorded = p.prior?.attempts.find((a) => a.attempt === attempt);
    const previousPatch = at.patch;
    at.last = await agentTurn(step, steps, p, {
      attempt,
      task,
      previousPatch,
      recorded,
      remainingMs,
      used: at.used,
      feedback: at.tests && buildFeedback(at.tests),
    });
    if (!recorded) await recordSpend(ctx, steps, io, job, attempt, at.last.usage);
    at.used = addUsage(at.used, at.last.usage ?? {});
    at.usages.push({ attempt, usage: at.last.usage });
    const stopped = afterAgent({ job, config, attempt, result: at.last, previousPatch, used: at.used });
    if (stopped) return stop(stopped.status, stopped.error);

    at.patch = at.last.patch;
    at.tests = await testTurn(step, steps, p, attempt, at.patch, recorded?.tests);
    if (at.tests.passed) break;
  }
  if (!at.tests || !at.last) throw new Error("the attempt loop ended without a test result");
  return { kind: "tested", patch: at.patch, last: at.last, tests: at.tests, usage: at.usages };
}

/** The fixing agent's task: the issue, the maintainers' instructions, the discussion, how the work is checked. */
function taskFor(p: AttemptsInput): string {
  const instructions = [p.config.instructions, p.job.instructions ?? ""].filter((s) => s.trim()).join("\n\n");
  const repo = `${p.job.repo.owner}/${p.job.repo.name}`;
  const threads = p.job.threads?.length ? threadsText(p.job.threads) : undefined;
  return buildTaskText({ repo, issue: p.job.issue, instructions, testCommand: p.testCommand, discussion: p.discussion, threads });
}

/** One agent attempt (`run-agent#n`), or its recorded result when a retried run continues an earlier one. */
function agentTurn(
  step: TrackedSteps,
  steps: Steps,
  p: AttemptsInput,
  a: { attempt: number; task: string; previousPatch: string; recorded?: Attempt; remainingMs: number; used: Usage; feedback?: string },
): Promise<Attempt> {
  const { job, config, baseSha } = p;
  const name = `run-agent#${a.attempt}`;
  return step.reuseOrRun(
    a.recorded,
    name,
    withSlot(stepPolicies(config).agent, steps.slotFor(job, usesVm(config.agent, "edit"), name)),
    (signal) =>
      steps.runAgent({
        job,
        config,
        baseSha,
        attempt: a.attempt,
        previousPatch: a.previousPatch,
        task: a.task,
        feedback: a.feedback,
        signal,
        budget: remainingBudget(config.budgets, a.used),
        timeoutMs: agentTimeoutMs(config, a.remainingMs),
      }),
    {
      describe: (r) => (r.patch === a.previousPatch ? "no change" : `${r.files.length} file(s), +${r.insertions}/-${r.deletions}`),
      remember: (cp, r) => ({ ...cp, attempts: [...cp.attempts.filter((x) => x.attempt !== a.attempt), r] }),
    },
  );
}

/** After an agent attempt: a used-up budget, or the attempt's verdict (no change, agent failed), stops the run. Pure. */
function afterAgent(params: { job: FixJob; config: RepoConfig; attempt: number; result: Attempt; previousPatch: string; used: Usage }) {
  const { job, config, attempt, result, used } = params;
  const step = `run-agent#${attempt}`;
  const overBudget = result.stoppedBy ?? exceededBudget(used, config.budgets);
  if (overBudget)
    return { status: "error" as const, error: budgetError({ name: overBudget, step, budgets: config.budgets, used, source: job.source }) };
  const verdict = judgeAttempt({
    source: job.source,
    attempt,
    step,
    patch: result.patch,
    previousPatch: params.previousPatch,
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    timeoutSeconds: config.timeouts.agent,
    summary: result.summary,
  });
  return verdict.kind === "stop" ? { status: verdict.status, error: verdict.error } : undefined;
}

/** The tests on the attempt's change (`run-tests#n`), or their recorded result in a continued run. */
function testTurn(
  step: TrackedSteps,
  steps: Steps,
  p: AttemptsInput,
  attempt: number,
  patch: string,
  recorded?: TestSummary,
): Promise<TestSummary> {
  const { job, config, baseSha, testCommand } = p;
  const name = `run-tests#${attempt}`;
  return step.reuseOrRun(
    recorded,
    name,
    withSlot(stepPolicies(config).tests, steps.slotFor(job, false, name)),
    (signal) => steps.runTests({ job, config, baseSha, patch, testCommand, signal }),
    {
      describe: (t) => (t.passed ? "passed" : t.timedOut ? "timed out" : `failed (exit ${t.exitCode})`),
      remember: (cp, t) => ({ ...cp, attempts: cp.attempts.map((a) => (a.attempt === attempt ? { ...a, tests: t } : a)) }),
    },
  );
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
