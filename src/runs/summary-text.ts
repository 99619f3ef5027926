import type { RepoRef } from "../workflow/types.js";

/** How long the index keeps each text of a run (it keeps up to thousands of runs per installation). */
export const TEXT_LIMITS = { testTail: 2_000, agentSummary: 1_000, reviewSummary: 2_000, error: 500 } as const;

/** The first `max` characters (an ellipsis marks a cut). Pure. */
export function head(text: string | undefined, max: number): string | undefined {
  if (text === undefined) return undefined;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The last `max` characters (what a test output's tail needs). Pure. */
export function tail(text: string | undefined, max: number): string | undefined {
  if (text === undefined) return undefined;
  return text.length > max ? `…${text.slice(text.length - max + 1)}` : text;
}

/**
 * The repository's web address: from its clone URL when that is an http(s) URL ending in `owner/name[.git]`
 * (GitHub, or GitHub Enterprise's host), else github.com's. Pure.
 */
export function repoWebUrl(repo: Pick<RepoRef, "owner" | "name" | "cloneUrl">): string {
  const suffix = `/${repo.owner}/${repo.name}`.toLowerCase();
  try {
    const url = new URL(repo.cloneUrl);
    const path = url.pathname.replace(/\.git$/, "").replace(/\/$/, "");
    if ((url.protocol === "https:" || url.protocol === "http:") && path.toLowerCase().endsWith(suffix)) return `${url.origin}${path}`;
  } catch {
    // A local path (tests, the CLI): not a web address.
  }
  return `https://github.com/${repo.owner}/${repo.name}`;
}
