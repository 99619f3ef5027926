import type { RepoConfig } from "../config/repo.schema.js";
import type { AgentAttemptResult } from "../steps/run-agent.js";
import type { Steps } from "../steps/index.js";
import { workspaceDir } from "../steps/workspace-path.js";
import { judgeAttempt, finalStatus } from "./decide.js";
import { durableStep, recordStep, type DurableIO } from "./durable-step.js";
import type { FlowContext } from "./flow-context.js";
import { buildFeedback, buildTaskText, retryHint } from "./task-text.js";
import type { FixJob, RunView, TestSummary } from "./types.js";

/** How a run ended, as data: the finish step turns it into the final tracking comment and the actor state. */
export type FixResult = Partial<Pick<RunView, "tests" | "agentSummary" | "commit" | "pullRequest" | "review" | "reviewUrl" | "error" | "ignoredReason" | "workspace">> & {
  status: RunView["status"];
};

const GITHUB_WRITE = { timeoutMs: 60_000, maxRetries: 5 };
const GIT_LOCAL = { timeoutMs: 120_000, maxRetries: 2 };

/**
 * The fix workflow: it only orders named steps; each step's work lives in src/steps. Step names are recorded
 * in the workflow history: keep them stable.
 */
export async function fixIssue(ctx: FlowContext, steps: Steps, io: DurableIO, job: FixJob): Promise<FixResult> {
  const check = await durableStep(ctx, io, "check-request", GITHUB_WRITE, () => steps.checkRequest(job));
  if (check.kind === "ignored") return { status: "ignored", ignoredReason: check.reason };
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
  const clone = await durableStep(ctx, io, "clone-repo", { timeoutMs: cloneTimeout, maxRetries: 3 }, () => steps.cloneRepo(job, config), (r) => `at ${r.baseSha.slice(0, 7)}`);
  const workspace = workspaceDir(steps.deps.dataDir, job);
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
  const testCommand = clone.testCommand;
  const task = buildTaskText({ repo: `${job.repo.owner}/${job.repo.name}`, issue: job.issue, instructions: config.instructions, testCommand });

  let patch = "";
  let lastAttempt: AgentAttemptResult | undefined;
  let tests: TestSummary | undefined;
  for (let attempt = 1; attempt <= config.maxAttempts; attempt++) {
    const agentStep = `run-agent#${attempt}`;
    await recordStep(ctx, io, `begin-attempt#${attempt}`, (view) => ({ ...view, attempts: attempt }));
    const feedback = tests ? buildFeedback(tests) : undefined;
    const previousPatch = patch;
    const result = await durableStep(
      ctx,
      io,
      agentStep,
      { timeoutMs: config.timeouts.agent * 1000 + cloneTimeout, maxRetries: 1 },
      (signal) => steps.runAgent({ job, config, baseSha: clone.baseSha, attempt, previousPatch, task, feedback, signal }),
      (r) => (r.patch === previousPatch ? "no change" : `${r.files.length} file(s), +${r.insertions}/-${r.deletions}`),
    );
    lastAttempt = result;
    const verdict = judgeAttempt({ source: job.source, attempt, step: agentStep, patch: result.patch, previousPatch, exitCode: result.exitCode, timedOut: result.timedOut, timeoutSeconds: config.timeouts.agent, summary: result.summary });
    if (verdict.kind === "stop") {
      return { status: verdict.status, error: verdict.error, tests, agentSummary: result.summary, workspace };
    }
    patch = result.patch;
    tests = await durableStep(
      ctx,
      io,
      `run-tests#${attempt}`,
      { timeoutMs: config.timeouts.tests * 1000 + cloneTimeout, maxRetries: 1 },
      (signal) => steps.runTests({ job, config, baseSha: clone.baseSha, patch, testCommand, signal }),
      (t) => (t.passed ? "passed" : t.timedOut ? "timed out" : `failed (exit ${t.exitCode})`),
    );
    if (tests.passed) break;
  }
  if (!tests || !lastAttempt) throw new Error("the attempt loop ended without a test result");
  return finishChange(ctx, steps, io, { job, config, baseSha: clone.baseSha, patch, tests, attempt: lastAttempt, workspace });
}

/** Commit, push, pull request and the chained review: what happens once the attempts are over. */
async function finishChange(
  ctx: FlowContext,
  steps: Steps,
  io: DurableIO,
  p: { job: FixJob; config: RepoConfig; baseSha: string; patch: string; tests: TestSummary; attempt: AgentAttemptResult; workspace: string },
): Promise<FixResult> {
  const { job, config, tests } = p;
  const status = finalStatus(tests.passed);
  const base: FixResult = { status, tests, agentSummary: p.attempt.summary, workspace: p.workspace };
  const github = job.source === "github";
  if (!tests.passed && github && !config.draftOnFailure) return base;

  const { sha } = await durableStep(ctx, io, "commit-change", GIT_LOCAL, () => steps.commitChange({ job, baseSha: p.baseSha, patch: p.patch, timeoutMs: GIT_LOCAL.timeoutMs }), (r) => r.sha.slice(0, 7));
  await recordStep(ctx, io, "record-commit", (view) => ({ ...view, commit: sha }));
  let pullRequest: FixResult["pullRequest"];
  if (github) {
    const pushTimeout = config.timeouts.clone * 1000;
    await durableStep(ctx, io, "push-branch", { timeoutMs: pushTimeout, maxRetries: 4 }, () => steps.pushBranch({ job, baseSha: p.baseSha, patch: p.patch, sha, timeoutMs: pushTimeout }), (r) => `${job.branch} ${r.result}`);
    pullRequest = await durableStep(
      ctx,
      io,
      "open-pull-request",
      GITHUB_WRITE,
      () => steps.openPullRequest({ job, files: p.attempt.files, insertions: p.attempt.insertions, deletions: p.attempt.deletions, attempts: p.attempt.attempt, tests, agentSummary: p.attempt.summary, draft: !tests.passed }),
      (pr) => `#${pr.number}`,
    );
    await recordStep(ctx, io, "record-pull-request", (view) => ({ ...view, pullRequest }));
  }
  if (!config.review.command) return { ...base, commit: sha, pullRequest };

  const review = await durableStep(
    ctx,
    io,
    "review-change",
    { timeoutMs: config.timeouts.review * 1000 + config.timeouts.clone * 1000, maxRetries: 1 },
    (signal) => steps.reviewChange({ job, config, baseSha: p.baseSha, patch: p.patch, agentSummary: p.attempt.summary, attempts: p.attempt.attempt, tests, signal }),
  );
  let reviewUrl: string | undefined;
  if (pullRequest) {
    const pr = pullRequest;
    reviewUrl = (await durableStep(ctx, io, "publish-review", GITHUB_WRITE, () => steps.publishReview({ job, pullNumber: pr.number, review: review.review }))).url;
  }
  return { ...base, commit: sha, pullRequest, review: review.review, reviewUrl };
}
