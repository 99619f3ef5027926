import { branchForIssue } from "../workflow/branch-names.js";
import type { FixJob } from "../workflow/types.js";
import { capText, capTitle, TEXT_CAPS } from "./text-caps.js";

/** The fields of an `issues.labeled` payload fixbot reads. */
export interface LabeledIssuePayload {
  label?: { name: string } | null;
  issue: { number: number; title: string; body?: string | null; state?: string; pull_request?: unknown };
  repository: { name: string; full_name: string; clone_url: string; default_branch: string; owner: { login: string } };
  sender: { login: string; type?: string };
  installation?: { id: number } | null;
}

export type JobDecision = { ok: true; job: FixJob } | { ok: false; reason: string };

/**
 * Turns an `issues.labeled` delivery into a fix job, or says why it is not one. Pure and cheap: the label is
 * checked against the repo config and the sender's permission inside the workflow, so the webhook is answered
 * in milliseconds.
 */
export function jobFromLabeledIssue(
  payload: LabeledIssuePayload,
  deliveryId: string,
  now: number,
  allowedOwners: readonly string[] = [],
): JobDecision {
  if (!payload.label?.name) return { ok: false, reason: "the event carries no label" };
  if (!ownerAllowed(payload.repository.owner.login, allowedOwners)) {
    return { ok: false, reason: `owner ${payload.repository.owner.login} is not in ALLOWED_OWNERS` };
  }
  if (payload.sender.type === "Bot") return { ok: false, reason: `sender @${payload.sender.login} is a bot` };
  if (payload.issue.state && payload.issue.state !== "open")
    return { ok: false, reason: `issue #${payload.issue.number} is ${payload.issue.state}` };
  if (payload.issue.pull_request) return { ok: false, reason: `#${payload.issue.number} is a pull request` };
  if (!payload.installation?.id) return { ok: false, reason: "the delivery has no installation (is fixbot installed as an App?)" };
  const repo = payload.repository;
  return {
    ok: true,
    job: {
      kind: "fix-issue",
      runId: deliveryId,
      deliveryId,
      source: "github",
      requestedBy: payload.sender.login,
      receivedAt: now,
      repo: { owner: repo.owner.login, name: repo.name, cloneUrl: repo.clone_url, defaultBranch: repo.default_branch },
      installationId: payload.installation.id,
      issue: cappedIssue(payload.issue),
      label: payload.label.name,
      branch: branchForIssue(payload.issue.number),
    },
  };
}

/** Empty list: every owner. Owner logins compare case-insensitively, as GitHub does. Pure. */
export function ownerAllowed(owner: string, allowedOwners: readonly string[]): boolean {
  return allowedOwners.length === 0 || allowedOwners.some((o) => o.toLowerCase() === owner.toLowerCase());
}

/** The issue text a job carries, capped (see text-caps.ts); a cut body ends with a note saying so. Pure. */
export function cappedIssue(issue: { number: number; title: string; body?: string | null }): {
  number: number;
  title: string;
  body: string;
} {
  return {
    number: issue.number,
    title: capTitle(issue.title),
    body: capText(issue.body ?? "", TEXT_CAPS.issueBodyBytes, "the issue body").text,
  };
}
