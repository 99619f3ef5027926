import { REVIEW_ACTIONS, type PrReviewJob, type ReviewAction } from "../workflow/review-pr/types.js";
import { capText, capTitle, TEXT_CAPS } from "./text-caps.js";
import { ownerAllowed } from "./to-job.js";

/** The fields of a `pull_request` payload fixbot reads. */
export interface PullRequestPayload {
  action: string;
  pull_request: {
    number: number;
    title: string;
    body?: string | null;
    state?: string;
    draft?: boolean;
    user: { login: string; type?: string } | null;
    author_association?: string;
    head: { ref: string; sha: string; repo: { full_name: string } | null };
    base: { ref: string };
  };
  repository: { name: string; full_name: string; clone_url: string; default_branch: string; owner: { login: string } };
  installation?: { id: number } | null;
}

export type ReviewJobDecision = { ok: true; job: PrReviewJob } | { ok: false; reason: string };

function isReviewAction(action: string): action is ReviewAction {
  return (REVIEW_ACTIONS as readonly string[]).includes(action);
}

/**
 * Turns a `pull_request` delivery into a review job, or says why it is not one. Pure and cheap, so the webhook is
 * answered in milliseconds: drafts, bot authors and closed pull requests are dropped here; the repo's config
 * (turned off, ignored authors and paths) is read inside the workflow.
 */
export function reviewJobFromPullRequest(
  payload: PullRequestPayload,
  deliveryId: string,
  now: number,
  allowedOwners: readonly string[] = [],
): ReviewJobDecision {
  const pr = payload.pull_request;
  if (!isReviewAction(payload.action)) return { ok: false, reason: `action ${payload.action} does not start a review` };
  if (!ownerAllowed(payload.repository.owner.login, allowedOwners)) {
    return { ok: false, reason: `owner ${payload.repository.owner.login} is not in ALLOWED_OWNERS` };
  }
  if (pr.state && pr.state !== "open") return { ok: false, reason: `pull request #${pr.number} is ${pr.state}` };
  if (pr.draft) return { ok: false, reason: `pull request #${pr.number} is a draft` };
  if (!pr.user) return { ok: false, reason: `pull request #${pr.number} has no author` };
  if (pr.user.type === "Bot") return { ok: false, reason: `author @${pr.user.login} is a bot` };
  if (!payload.installation?.id) return { ok: false, reason: "the delivery has no installation (is fixbot installed as an App?)" };
  const repo = payload.repository;
  const headRepo = pr.head.repo?.full_name ?? null;
  return {
    ok: true,
    job: {
      kind: "review-pr",
      runId: deliveryId,
      deliveryId,
      action: payload.action,
      receivedAt: now,
      repo: { owner: repo.owner.login, name: repo.name, cloneUrl: repo.clone_url, defaultBranch: repo.default_branch },
      installationId: payload.installation.id,
      pr: {
        number: pr.number,
        // Capped (text-caps.ts): a queue message is limited, and the review agent is given the start anyway.
        title: capTitle(pr.title),
        body: capText(pr.body ?? "", TEXT_CAPS.prBodyBytes, "the pull request description").text,
        author: pr.user.login,
        baseRef: pr.base.ref,
        headRef: pr.head.ref,
        headSha: pr.head.sha,
        headRepoFullName: headRepo,
        fork: headRepo === null || headRepo.toLowerCase() !== repo.full_name.toLowerCase(),
        ...(pr.author_association ? { authorAssociation: pr.author_association } : {}),
      },
    },
  };
}
