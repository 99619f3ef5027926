import { agentConfigured } from "../agents/selection.js";
import { stepSlot } from "../limits/step-slot.js";
import { usesVm } from "../limits/uses-vm.js";
import type { RepoConfig } from "../config/repo.schema.js";
import type { Steps } from "../steps/index.js";
import { finalStatus } from "./decide.js";
import { durableStep, recordStep, type DurableIO } from "./durable-step.js";
import type { FlowContext } from "./flow-context.js";
import type { AttemptUsage } from "../github/usage-text.js";
import type { Checkpoint, FixJob, RunView, TestSummary } from "./types.js";

/** How a run ended, as data: the finish step turns it into the final tracking comment and the actor state. */
export type FixResult = Partial<Pick<RunView, "tests" | "agentSummary" | "commit" | "pullRequest" | "review" | "reviewUrl" | "error" | "ignoredReason" | "workspace">> & {
  status: RunView["status"];
};

export const GITHUB_WRITE = { timeoutMs: 60_000, maxRetries: 5 };
const GIT_LOCAL = { timeoutMs: 120_000, maxRetries: 2 };

/**
 * Commit, push, pull request and the chained review: what happens once the attempts are over. On a pull
 * request's own branch (`job.target`), the commit goes to that branch and no new pull request is opened.
 */
export async function finishChange(
  ctx: FlowContext,
  steps: Steps,
  io: DurableIO,
  p: {
    job: FixJob;
    config: RepoConfig;
    baseSha: string;
    patch: string;
    tests: TestSummary;
    attempt: Checkpoint["attempts"][number];
    workspace: string;
    prior: Checkpoint | null;
    reuse: (step: string) => Promise<void>;
    /** Every attempt's reported usage, for the pull request's body. */
    usage?: AttemptUsage[];
  },
): Promise<FixResult> {
  const { job, config, tests, prior, reuse } = p;
  const base: FixResult = { status: finalStatus(tests.passed), tests, agentSummary: p.attempt.summary, workspace: p.workspace };
  const github = job.source === "github";
  if (!tests.passed && github && (!config.draftOnFailure || job.target)) return base;

  let sha = prior?.commit;
  if (sha) await reuse("commit-change");
  else {
    sha = (await durableStep(ctx, io, "commit-change", GIT_LOCAL, () => steps.commitChange({ job, baseSha: p.baseSha, patch: p.patch, timeoutMs: GIT_LOCAL.timeoutMs }), (r) => r.sha.slice(0, 7), (cp, r) => ({ ...cp, commit: r.sha }))).sha;
  }
  const commit = sha;
  await recordStep(ctx, io, "record-commit", (view) => ({ ...view, commit }));
  let pullRequest: FixResult["pullRequest"];
  if (github) {
    const pushTimeout = config.timeouts.clone * 1000;
    if (prior?.pushed) await reuse("push-branch");
    else {
      await durableStep(ctx, io, "push-branch", { timeoutMs: pushTimeout, maxRetries: 4 }, () => steps.pushBranch({ job, baseSha: p.baseSha, patch: p.patch, sha: commit, timeoutMs: pushTimeout }), (r) => `${job.branch} ${r.result}`, (cp) => ({ ...cp, pushed: true }));
    }
    if (job.target) pullRequest = { number: job.target.number, url: job.target.url, draft: false };
    else if (prior?.pullRequest) {
      await reuse("open-pull-request");
      pullRequest = prior.pullRequest;
    } else {
      pullRequest = await durableStep(
        ctx,
        io,
        "open-pull-request",
        GITHUB_WRITE,
        () => steps.openPullRequest({ job, files: p.attempt.files, insertions: p.attempt.insertions, deletions: p.attempt.deletions, attempts: p.attempt.attempt, tests, agentSummary: p.attempt.summary, draft: !tests.passed, usage: p.usage }),
        (pr) => `#${pr.number}`,
        (cp, pr) => ({ ...cp, pullRequest: pr }),
      );
    }
    const pr = pullRequest;
    await recordStep(ctx, io, "record-pull-request", (view) => ({ ...view, pullRequest: pr }));
  }
  if (!agentConfigured(config.review)) return { ...base, commit, pullRequest };

  let review = prior?.review;
  if (review) await reuse("review-change");
  else {
    review = (
      await durableStep(
        ctx,
        io,
        "review-change",
        { timeoutMs: config.timeouts.review * 1000 + config.timeouts.clone * 1000, maxRetries: 1, slot: stepSlot(steps.deps, job.repo, usesVm(config.review, "review"), `${job.repo.owner}/${job.repo.name}#${job.issue.number} review-change`) },
        (signal) => steps.reviewChange({ job, config, baseSha: p.baseSha, patch: p.patch, agentSummary: p.attempt.summary, attempts: p.attempt.attempt, tests, signal }),
        undefined,
        (cp, r) => ({ ...cp, review: r.review }),
      )
    ).review;
  }
  let reviewUrl: string | undefined;
  if (pullRequest) {
    const pr = pullRequest;
    const text = review;
    reviewUrl = (
      await durableStep(
        ctx,
        io,
        "publish-review",
        GITHUB_WRITE,
        () => steps.publishReview({ job, pullNumber: pr.number, commit, baseSha: p.baseSha, patch: p.patch, review: text }),
        (r) => (r.inlineComments ? `${r.inlineComments} inline comment(s)` : undefined),
      )
    ).url;
  }
  return { ...base, commit, pullRequest, review, reviewUrl };
}
