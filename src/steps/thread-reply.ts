import { GITHUB_WRITES } from "../github/octokit.js";
import { upsertThreadReply } from "../github/review-threads.js";
import { threadReplyMarker, type ReviewThread } from "../workflow/threads/thread-text.js";
import type { FixJob } from "../workflow/types.js";
import type { StepDeps } from "./deps.js";

/**
 * fixbot's reply in a review thread its run addressed: one per (run, thread), found again by its hidden marker
 * among the thread's replies before anything is posted, so a step that runs again after a crash edits it.
 */
export async function replyInThread(deps: StepDeps, params: { job: FixJob; thread: ReviewThread; text: string }): Promise<{ url: string }> {
  const { job, thread } = params;
  if (!deps.github || job.installationId === undefined || !job.target) throw new Error("a thread reply needs a GitHub pull request job");
  const { octokit, app } = await deps.github.forInstallation(job.installationId, { repository: job.repo.name, permissions: GITHUB_WRITES });
  const marker = threadReplyMarker(job.runId, thread.rootId);
  const { url } = await upsertThreadReply({
    octokit,
    app,
    owner: job.repo.owner,
    repo: job.repo.name,
    pullNumber: job.target.number,
    rootId: thread.rootId,
    marker,
    body: `${marker}\n${params.text}`,
  });
  return { url };
}
