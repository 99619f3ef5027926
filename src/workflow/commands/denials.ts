/**
 * Strangers' commands cost fixbot a reaction, a permission check and a reply each; on a public repository anyone
 * can post them in a loop. After a denial is posted, further commands from the same user on the same issue or
 * pull request are dropped silently for this long (no reaction, no check, no reply), so the cost per user and
 * issue is bounded by one round per window.
 */
export const DENIAL_QUIET_MS = 15 * 60_000;

/** Outcome line of a command answered with a denial (see handle-command.ts). */
export const DENIED_PREFIX = "denied:";
/** Outcome line of a command dropped in the quiet window: not a new denial, so it does not extend the window. */
export const DENIED_QUIETLY = "denied again within the quiet window: dropped without a reply";

/** True when `sender` got a denial reply here less than `windowMs` ago. Logins compare case-insensitively. Pure. */
export function deniedRecently(
  handled: ReadonlyArray<{ sender: string; outcome: string; at: number }>,
  sender: string,
  now: number,
  windowMs: number = DENIAL_QUIET_MS,
): boolean {
  const who = sender.toLowerCase();
  return handled.some((h) => h.sender.toLowerCase() === who && h.outcome.startsWith(DENIED_PREFIX) && now - h.at < windowMs);
}
