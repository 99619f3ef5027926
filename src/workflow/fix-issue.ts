import type { Steps } from "../steps/index.js";
import { gitDirFor } from "../steps/workspace-path.js";
import { stepSlot } from "../limits/step-slot.js";
import { usesVm } from "../limits/uses-vm.js";
import { addUsage, exceededBudget, remainingBudget, type Usage } from "../agents/usage.js";
import { budgetError, judgeAttempt } from "./decide.js";
import { durableStep, recordStep, type DurableIO } from "./durable-step.js";
import { finishChange, GITHUB_WRITE, type FixResult } from "./finish-change.js";
import { checkSpend, recordSpend } from "./spend-steps.js";
import type { AttemptUsage } from "../github/usage-text.js";
import type { FlowContext } from "./flow-context.js";
import { stepReused } from "./run-view.js";
import { buildFeedback, buildTaskText, retryHint } from "./task-text.js";
import type { Checkpoint, FixJob, TestSummary } from "./types.js";

export type { FixResult } from "./finish-change.js";

type Attempt = Checkpoint["attempts"][number];

/**
 * The fix workflow: it only orders named steps; each step's work lives in src/steps. Step names are recorded
 * in the workflow history: keep them stable. A retried run (`job.retryOf`) takes the recorded results of the
 * steps that finished in the run it continues, and starts at the step that failed.
 */
export async function fixIssue(ctx: FlowContext, steps: Steps, io: DurableIO, job: FixJob): Promise<FixResult> {
  const prior = await ctx.step({
    name: "load-checkpoint",
    timeout: 10_000,
    maxRetries: 1,
    run: async (sc) => (job.retryOf ? (sc.state.runs.find((r) => r.runId === job.retryOf)?.checkpoint ?? null) : null),
  });
  const reuse = (name: string) => recordStep(ctx, io, `reuse-${name}`, (view) => stepReused(view, name, job.retryOf ?? "?"));

  const check = await durableStep(ctx, io, "check-request", GITHUB_WRITE, () => steps.checkRequest(job));
  if (check.kind === "ignored") return { status: "ignored", ignoredReason: check.reason };
  if (check.kind === "refused") return { status: "error", error: check.error };
  if (check.kind === "invalid-config") {
    return {
      status: "error",
      error: {
        step: "check-request",
        message: `\`.github/fixbot.yml\` is invalid:\n${check.problems.map((p) => `- ${p}`).join("\n")}`,
        hint: `Fix the fields listed above (see fixbot's README for the expected form), then ${retryHint(job.source)}.`,
      },
    };
  }
  const config = check.config;
  await recordStep(ctx, io, "post-tracking-comment", (view) => ({ ...view, maxAttempts: config.maxAttempts, announced: true }));

  const cloneTimeout = config.timeouts.clone * 1000;
  const workspace = gitDirFor(steps.deps.dataDir, job);
  let clone = prior?.clone;
  if (clone) await reuse("clone-repo");
  else {
    clone = await durableStep(ctx, io, "clone-repo", { timeoutMs: cloneTimeout, maxRetries: 3 }, () => steps.cloneRepo(job, config), (r) => `at ${r.baseSha.slice(0, 7)}`, (cp, r) => ({ ...cp, clone: r }));
  }
  if (!clone.testCommand) {
    return {
      status: "error",
      workspace,
      error: {
        step: "clone-repo",
        message: "fixbot found no way to run this repository's tests: no `testCommand` is configured and package.json has no test script.",
        hint: `Set \`testCommand\` in .github/fixbot.yml (or pass --test-command), then ${retryHint(job.source)}.`,
      },
    };
  }
  const { baseSha, testCommand } = { baseSha: clone.baseSha, testCommand: clone.testCommand };
  const instructions = [config.instructions, job.instructions ?? ""].filter((s) => s.trim()).join("\n\n");
  const task = buildTaskText({ repo: `${job.repo.owner}/${job.repo.name}`, issue: job.issue, instructions, testCommand });

  let patch = "";
  let last: Attempt | undefined;
  let tests: TestSummary | undefined;
  let used: Usage = {};
  const usages: AttemptUsage[] = [];
  for (let attempt = 1; attempt <= config.maxAttempts; attempt++) {
    const agentStep = `run-agent#${attempt}`;
    await recordStep(ctx, io, `begin-attempt#${attempt}`, (view) => ({ ...view, attempts: attempt }));
    // Run time left, measured once and recorded, so a replay takes the same decision.
    const remainingMs = await ctx.step({ name: `check-budget#${attempt}`, timeout: 10_000, maxRetries: 1, run: async () => job.receivedAt + config.budgets.runMinutes * 60_000 - io.now() });
    if (remainingMs <= 0) return { status: "error", error: budgetError({ name: "time", step: agentStep, budgets: config.budgets, used, source: job.source }), tests, agentSummary: last?.summary, workspace };
    const spendStop = await checkSpend(ctx, steps, io, job, attempt);
    if (spendStop) return { status: "error", error: spendStop, tests, agentSummary: last?.summary, workspace };
    const feedback = tests ? buildFeedback(tests) : undefined;
    const previousPatch = patch;
    const recorded = prior?.attempts.find((a) => a.attempt === attempt);
    let result: Attempt;
    if (recorded) {
      await reuse(agentStep);
      result = recorded;
    } else {
      result = await durableStep(
        ctx,
        io,
        agentStep,
        { timeoutMs: config.timeouts.agent * 1000 + cloneTimeout, maxRetries: 1, slot: stepSlot(steps.deps, job.repo, usesVm(config.agent, "edit"), `${job.repo.owner}/${job.repo.name}#${job.issue.number} ${agentStep}`) },
        (signal) =>
          steps.runAgent({ job, config, baseSha, attempt, previousPatch, task, feedback, signal, budget: remainingBudget(config.budgets, used), timeoutMs: Math.min(config.timeouts.agent * 1000, remainingMs) }),
        (r) => (r.patch === previousPatch ? "no change" : `${r.files.length} file(s), +${r.insertions}/-${r.deletions}`),
        (cp, r) => ({ ...cp, attempts: [...cp.attempts.filter((a) => a.attempt !== attempt), r] }),
      );
      await recordSpend(ctx, steps, io, job, attempt, result.usage);
    }
    last = result;
    used = addUsage(used, result.usage ?? {});
    usages.push({ attempt, usage: result.usage });
    const overBudget = result.stoppedBy ?? exceededBudget(used, config.budgets);
    if (overBudget) return { status: "error", error: budgetError({ name: overBudget, step: agentStep, budgets: config.budgets, used, source: job.source }), tests, agentSummary: result.summary, workspace };
    const verdict = judgeAttempt({ source: job.source, attempt, step: agentStep, patch: result.patch, previousPatch, exitCode: result.exitCode, timedOut: result.timedOut, timeoutSeconds: config.timeouts.agent, summary: result.summary });
    if (verdict.kind === "stop") return { status: verdict.status, error: verdict.error, tests, agentSummary: result.summary, workspace };
    patch = result.patch;
    const testStep = `run-tests#${attempt}`;
    if (recorded?.tests) {
      await reuse(testStep);
      tests = recorded.tests;
    } else {
      const testedPatch = patch;
      tests = await durableStep(
        ctx,
        io,
        testStep,
        { timeoutMs: config.timeouts.tests * 1000 + cloneTimeout, maxRetries: 1, slot: stepSlot(steps.deps, job.repo, false, `${job.repo.owner}/${job.repo.name}#${job.issue.number} ${testStep}`) },
        (signal) => steps.runTests({ job, config, baseSha, patch: testedPatch, testCommand, signal }),
        (t) => (t.passed ? "passed" : t.timedOut ? "timed out" : `failed (exit ${t.exitCode})`),
        (cp, t) => ({ ...cp, attempts: cp.attempts.map((a) => (a.attempt === attempt ? { ...a, tests: t } : a)) }),
      );
    }
    if (tests.passed) break;
  }
  if (!tests || !last) throw new Error("the attempt loop ended without a test result");
  return finishChange(ctx, steps, io, { job, config, baseSha, patch, tests, attempt: last, workspace, prior, reuse, usage: usages });
}
