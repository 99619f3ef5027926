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

/** Each item of a paginated list (Octokit's `paginate.iterator`), in order. */
export async function* itemsOf<T>(pages: AsyncIterable<{ data: T[] }>): AsyncGenerator<T> {
  for await (const page of pages) yield* page.data;
}

/**
 * The first of the App's own comments or reviews that carries `marker` (and passes `where`): how a step that
 * runs again after a crash, or after GitHub's answer was lost, finds what it wrote before instead of writing twice.
 */
export async function findMarked<T extends Authored & { body?: string | null }>(
  items: AsyncIterable<T>,
  marker: string,
  app: AppIdentity,
  where: (item: T) => boolean = () => true,
): Promise<T | undefined> {
  for await (const item of items) if (item.body?.includes(marker) && writtenByApp(item, app) && where(item)) return item;
  return undefined;
}
