import type { Logger } from "pino";

/**
 * Logs a delivery a handler drops, with its delivery id. An installation outside ALLOWED_OWNERS is a warning (the
 * operator may have forgotten an owner); everything else (bots, closed issues, drafts) is routine, at debug.
 */
export function logIgnored(context: { id: string; log: Logger }, event: string, reason: string): void {
  const level = reason.includes("ALLOWED_OWNERS") ? "warn" : "debug";
  context.log[level]({ deliveryId: context.id, reason }, `${event} ignored`);
}
