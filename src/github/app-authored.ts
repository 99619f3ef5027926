/** Who fixbot is on GitHub: its App id and its bot user's login (`<app-slug>[bot]`). */
export interface AppIdentity {
  appId: number;
  botLogin: string;
}

/** The author fields GitHub sends with an issue comment or a pull request review. */
export interface Authored {
  user?: { login: string; type?: string } | null;
  performed_via_github_app?: { id: number } | null;
}

/**
 * True only for a comment or review the App itself wrote. Hidden markers are plain text that anyone can type, so
 * a marker counts only on fixbot's own comments: a stranger's review carrying `<!-- fixbot:pr-review head=… -->`
 * must not make fixbot skip that head. Comments name the App (`performed_via_github_app`); reviews only carry
 * the bot user, whose type is "Bot" and whose login is `<slug>[bot]`. Pure.
 */
export function writtenByApp(item: Authored, app: AppIdentity): boolean {
  if (item.performed_via_github_app) return item.performed_via_github_app.id === app.appId;
  return item.user?.type === "Bot" && item.user.login.toLowerCase() === app.botLogin.toLowerCase();
}
