/**
 * Who may ask fixbot for work. GitHub's collaborator API reports `role_name` (admin, maintain, write, triage,
 * read) and a coarser `permission` (admin, write, read, none) in which maintain reads as write and triage as read.
 */
export type AccessNeed = "triage" | "write";

const RANK: Record<string, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

export function hasAccess(params: { roleName?: string | null; permission?: string | null }, need: AccessNeed): boolean {
  const role = params.roleName && params.roleName in RANK ? params.roleName : (params.permission ?? "none");
  return (RANK[role] ?? 0) >= RANK[need]!;
}
