import type { Steps } from "../../steps/index.js";
import type { Attempt } from "../fix-attempts.js";
import { GITHUB_CALL } from "../step-policies.js";
import type { TrackedSteps } from "../tracked-steps.js";
import type { FixJob, TestSummary } from "../types.js";
import { threadReplyText } from "./thread-text.js";

/**
 * After the push (or after tests that still fail, when nothing is pushed): one reply in each review thread the
 * run addressed, each its own recorded step `reply-in-thread#n` (n: the thread's place in the job, stable), each
 * found again by its marker if it runs twice.
 */
export async function replyInThreads(
  step: TrackedSteps,
  steps: Steps,
  p: { job: FixJob; commit?: string; last: Attempt; tests: TestSummary },
): Promise<void> {
  const threads = p.job.threads ?? [];
  const text = threadReplyText({
    commit: p.commit,
    branch: p.job.branch,
    agentSummary: p.last.summary,
    files: p.last.files,
    tests: p.tests,
  });
  for (const [i, thread] of threads.entries()) {
    await step.run(`reply-in-thread#${i + 1}`, GITHUB_CALL, () => steps.replyInThread({ job: p.job, thread, text }), {
      describe: () => `${thread.path}`,
    });
  }
}
