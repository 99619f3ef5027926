/** Branch for a fix: `fixbot/issue-<n>` on GitHub; `fixbot/<slug>` locally. Pure. */
export function branchForIssue(number: number): string {
  return `fixbot/issue-${number}`;
}

export function slugify(text: string, max = 40): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, max)
    .replace(/-+$/g, "");
  return slug || "fix";
}
