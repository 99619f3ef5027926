import { loadExample } from "./payloads.js";

/**
 * Builds a `pull_request` payload from the real example for `action` (@octokit/webhooks-examples) with the given
 * repository, PR number, head, author and installation. A `headRepo` other than `<owner>/<repo>` makes a fork PR.
 */
export function pullRequestPayload(o: {
  action: "opened" | "reopened" | "ready_for_review" | "synchronize" | "closed";
  owner: string;
  repo: string;
  number: number;
  headSha: string;
  /** Default `feature`. */
  headRef?: string;
  /** Default `main` (also the repository's default branch). */
  baseRef?: string;
  /** Default `https://github.com/<owner>/<repo>.git`. */
  cloneUrl?: string;
  /** Default `alice`. */
  author?: string;
  authorType?: "User" | "Bot";
  /** GitHub's author_association of the author; default: the example's. */
  authorAssociation?: string;
  draft?: boolean;
  /** Default `<owner>/<repo>` (same repository). */
  headRepo?: string;
  /** synchronize: the head before the push. */
  before?: string;
  title?: string;
  body?: string;
  installationId?: number;
}): any {
  const payload = loadExample("pull_request", o.action);
  const fullName = `${o.owner}/${o.repo}`;
  const baseRef = o.baseRef ?? "main";
  const repository = payload.repository;
  Object.assign(repository, {
    name: o.repo,
    full_name: fullName,
    clone_url: o.cloneUrl ?? `https://github.com/${fullName}.git`,
    html_url: `https://github.com/${fullName}`,
    url: `https://api.github.com/repos/${fullName}`,
    default_branch: baseRef,
  });
  repository.owner.login = o.owner;

  payload.number = o.number;
  const pr = payload.pull_request;
  Object.assign(pr, {
    number: o.number,
    state: o.action === "closed" ? "closed" : "open",
    draft: o.draft ?? false,
    title: o.title ?? "Add a feature",
    body: o.body ?? "This adds a feature.",
    html_url: `https://github.com/${fullName}/pull/${o.number}`,
    url: `https://api.github.com/repos/${fullName}/pulls/${o.number}`,
  });
  if (o.authorAssociation) pr.author_association = o.authorAssociation;
  pr.user = { ...pr.user, login: o.author ?? "alice", type: o.authorType ?? "User" };
  const headRepo = o.headRepo ?? fullName;
  pr.head = {
    ...pr.head,
    ref: o.headRef ?? "feature",
    sha: o.headSha,
    label: `${headRepo.split("/")[0]}:${o.headRef ?? "feature"}`,
    repo: {
      ...repository,
      full_name: headRepo,
      name: headRepo.split("/")[1],
      owner: { ...repository.owner, login: headRepo.split("/")[0] },
    },
  };
  pr.base = { ...pr.base, ref: baseRef, repo: { ...repository } };
  if (o.action === "synchronize") {
    payload.before = o.before ?? pr.base.sha;
    payload.after = o.headSha;
  }
  payload.sender = { ...payload.sender, login: o.author ?? "alice", type: o.authorType ?? "User" };
  payload.installation = { ...(payload.installation ?? {}), id: o.installationId ?? 1 };
  return payload;
}
