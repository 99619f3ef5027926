import type { FixbotOctokit } from "./octokit.js";

export interface PullRequestRef {
  number: number;
  url: string;
  draft: boolean;
}

/**
 * Find by head branch, or create. A re-run after a crash (or GitHub's 422 "already exists" after a lost
 * response) finds the pull request opened before: one PR per branch, ever.
 */
export async function findOrCreatePullRequest(params: {
  octokit: FixbotOctokit;
  owner: string;
  repo: string;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
}): Promise<PullRequestRef> {
  const existing = await findOpenPullRequest(params);
  if (existing) {
    await params.octokit.rest.pulls.update({ owner: params.owner, repo: params.repo, pull_number: existing.number, body: params.body });
    return existing;
  }
  try {
    const { data } = await params.octokit.rest.pulls.create({
      owner: params.owner,
      repo: params.repo,
      head: params.head,
      base: params.base,
      title: params.title,
      body: params.body,
      draft: params.draft,
      maintainer_can_modify: true,
    });
    return { number: data.number, url: data.html_url, draft: data.draft ?? params.draft };
  } catch (error) {
    const again = (error as { status?: number }).status === 422 ? await findOpenPullRequest(params) : undefined;
    if (again) return again;
    throw error;
  }
}

async function findOpenPullRequest(params: {
  octokit: FixbotOctokit;
  owner: string;
  repo: string;
  head: string;
}): Promise<PullRequestRef | undefined> {
  const { data } = await params.octokit.rest.pulls.list({
    owner: params.owner,
    repo: params.repo,
    head: `${params.owner}:${params.head}`,
    state: "open",
    per_page: 1,
  });
  const pr = data[0];
  return pr ? { number: pr.number, url: pr.html_url, draft: pr.draft ?? false } : undefined;
}
