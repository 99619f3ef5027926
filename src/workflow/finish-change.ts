import { agentConfigured } from "../agents/selection.js";
import type { Usage } from "../agents/usage.js";
import { reviewSkippedText, type UsedUp } from "../spend/windows.js";
import type { RepoConfig } from "../config/repo.schema.js";
import { usesVm } from "../limits/uses-vm.js";
import type { Steps } from "../steps/index.js";
import { finalStatus } from "./decide.js";
import type { Attempt } from "./fix-attempts.js";
import { GITHUB_CALL, stepPolicies, withSlot } from "./step-policies.js";
import type { TrackedSteps } from "./tracked-steps.js";
import { replyInThreads } from "./threads/reply-in-threads.js";
import type { AttemptUsage } from "../github/usage-text.js";
import type { Checkpoint, FixJob, RunRecord, TestSummary } from "./types.js";

/** How a run ended, as data: the finish step turns it into the final tracking comment and the actor state. */
export type FixResult = Partial<
  Pick<
    RunRecord,
    "tests" | "agentSummary" | "commit" | "pullRequest" | "review" | "reviewUrl" | "reviewSkipped" | "error" | "ignoredReason" | "workspace"
  >
> & {
  status: RunRecord["status"];
};

export interface FinishInput {
  job: FixJob;
  config: RepoConfig;
  baseSha: string;
  patch: string;
  tests: TestSummary;
  /** The last agent attempt (its summary and measured change go into the pull request). */
  last: Attempt;
  workspace: string;
  prior: Checkpoint | null;
  /** Every attempt's reported usage, for the pull request's body. */
  usage?: AttemptUsage[];
  /** The spend window used up before the review, if any (recorded; see spend-steps.ts): the review is then skipped. */
  checkReviewSpend?: () => Promise<UsedUp | undefined>;
  /** Adds the review agent's reported usage to the spend windows (once; see spend-steps.ts). */
  recordReviewSpend?: (usage: Usage | undefined) => Promise<void>;
}

/**
 * Commit, push, pull request and the chained review: what happens once the attempts are over. On a pull
 * request's own branch (`job.target`), the commit goes to that branch and no new pull request is opened.
 */
export async function finishChange(step: TrackedSteps, steps: Steps, p: FinishInput): Promise<FixResult> {
  const { job, config, tests, prior, last } = p;
  const policy = stepPolicies(config);
  const base: FixResult = { status: finalStatus(tests.passed), tests, agentSummary: last.summary, workspace: p.workspace };
  const github = job.source === "github";
  if (!tests.passed && github && (!config.draftOnFailure || job.target)) {
    await replyInThreads(step, steps, { job, last, tests });
    return base;
  }

  const commit = (
    await step.reuseOrRun(
      prior?.commit === undefined ? undefined : { sha: prior.commit },
      "commit-change",
      policy.commit,
      () => steps.commitChange({ job, baseSha: p.baseSha, patch: p.patch, timeoutMs: policy.commit.timeoutMs }),
      {
        describe: (r) => r.sha.slice(0, 7),
        remember: (cp, r) => ({ ...cp, commit: r.sha }),
      },
    )
  ).sha;
  await step.record("record-commit", (view) => ({ ...view, commit }));

  const pullRequest = github ? await pushAndOpen(step, steps, p, commit) : undefined;
  if (github) await replyInThreads(step, steps, { job, commit, last, tests });
  if (!agentConfigured(config.review)) return { ...base, commit, pullRequest };
  return { ...base, commit, pullRequest, ...(await reviewChange(step, steps, p, commit, pullRequest)) };
}

/**
 * The chained review: the spend check (a used-up window skips it), the review agent, its usage into the spend
 * windows, then the review posted on the pull request. A review taken from the run this one continues is neither
 * checked nor counted again.
 */
async function reviewChange(
  step: TrackedSteps,
  steps: Steps,
  p: FinishInput,
  commit: string,
  pullRequest: FixResult["pullRequest"],
): Promise<Pick<FixResult, "review" | "reviewUrl" | "reviewSkipped">> {
  const { job, config, prior, last, tests } = p;
  const policy = stepPolicies(config);
  const usedUp = prior?.review === undefined ? await p.checkReviewSpend?.() : undefined;
  if (usedUp) return { reviewSkipped: reviewSkippedText({ usedUp, org: job.repo.owner, repo: job.repo.name }) };

  const reviewed = await step.reuseOrRun(
    prior?.review === undefined ? undefined : { review: prior.review },
    "review-change",
    withSlot(policy.review, steps.slotFor(job, usesVm(config.review, "review"), "review-change")),
    async (signal): Promise<{ review: string; usage?: Usage }> => {
      const r = await steps.reviewChange({
        job,
        config,
        baseSha: p.baseSha,
        patch: p.patch,
        agentSummary: last.summary,
        attempts: last.attempt,
        tests,
        signal,
      });
      return { review: r.review, ...(r.usage ? { usage: r.usage } : {}) };
    },
    { remember: (cp, r) => ({ ...cp, review: r.review, ...(r.usage ? { reviewUsage: r.usage } : {}) }) },
  );
  if (prior?.review === undefined) await p.recordReviewSpend?.(reviewed.usage);
  const review = reviewed.review;
  if (!pullRequest) return { review };
  const posted = await step.run(
    "publish-review",
    policy.publishReview,
    () => steps.publishReview({ job, pullNumber: pullRequest.number, commit, baseSha: p.baseSha, patch: p.patch, review }),
    {
      describe: (r) => (r.inlineComments ? `${r.inlineComments} inline comment(s)` : undefined),
    },
  );
  return { review, reviewUrl: posted.url };
}

/** Pushes the branch, then finds or opens the pull request (a fix on a pull request's branch has one already). */
async function pushAndOpen(
  step: TrackedSteps,
  steps: Steps,
  p: FinishInput,
  commit: string,
): Promise<NonNullable<FixResult["pullRequest"]>> {
  const { job, config, prior, last, tests } = p;
  const policy = stepPolicies(config);
  if (prior?.pushed) await step.reused("push-branch");
  else {
    await step.run(
      "push-branch",
      policy.push,
      () => steps.pushBranch({ job, baseSha: p.baseSha, patch: p.patch, sha: commit, timeoutMs: policy.push.timeoutMs }),
      {
        describe: (r) => `${job.branch} ${r.result}`,
        remember: (cp) => ({ ...cp, pushed: true }),
      },
    );
  }
  const pullRequest = job.target
    ? { number: job.target.number, url: job.target.url, draft: false }
    : await step.reuseOrRun(
        prior?.pullRequest,
        "open-pull-request",
        policy.openPullRequest,
        () =>
          steps.openPullRequest({
            job,
            files: last.files,
            insertions: last.insertions,
            deletions: last.deletions,
            attempts: last.attempt,
            tests,
            agentSummary: last.summary,
            draft: !tests.passed,
            usage: p.usage,
          }),
        { describe: (pr) => `#${pr.number}`, remember: (cp, pr) => ({ ...cp, pullRequest: pr }) },
      );
  await step.record("record-pull-request", (view) => ({ ...view, pullRequest }));
  // The pushed commit as the check run "fixbot fix" (found by its external id: never two).
  await step.run("report-fix-check", GITHUB_CALL, () => steps.reportFixCheck({ job, commit, tests, pullRequestUrl: pullRequest.url }));
  return pullRequest;
}
