import { jsonBytes } from "../webhooks/text-caps.js";
import type { InboxEntry } from "./journal-records.js";

/**
 * How much one hand-over carries. RivetKit refuses an incoming message (an action call with its arguments) or a
 * queue message over 64 KiB by default; a fix-run hand-over is one action call carrying every job of the batch.
 * Batches are therefore sized in bytes of JSON (what the engine's encoding is close to, never much below), with
 * room to spare for the call's own framing. Single jobs are far smaller (text caps, see text-caps.ts).
 */
export const HAND_OVER_LIMITS = { maxEntries: 100, maxBytes: 48 * 1024 } as const;

/**
 * How many entries from the front of `entries` go in the next hand-over: at least one, then as many as fit
 * `maxBytes` and `maxEntries`. Pure; sizes are computed once per entry by `sizeOf`.
 */
export function batchLength(
  entries: readonly InboxEntry[],
  limits: { maxEntries: number; maxBytes: number },
  sizeOf: (e: InboxEntry) => number = (e) => jsonBytes(e.job),
): number {
  let bytes = 0;
  let n = 0;
  for (const entry of entries) {
    if (n >= limits.maxEntries) break;
    const size = sizeOf(entry);
    if (n > 0 && bytes + size > limits.maxBytes) break;
    bytes += size;
    n++;
  }
  return n;
}

/** Wait before attempt `attempt + 1` of a failed hand-over: doubling from `baseMs`, at most `maxMs`. Pure. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * True when the engine refused the hand-over for what it carries (a message over its size limit, a payload it
 * cannot take): trying again cannot help, so such a delivery becomes a dead letter after a few tries. Anything
 * else (an actor lookup that timed out, a lost connection, an engine restarting) is transient and is tried for
 * much longer. Pure.
 */
export function isRefusal(error: unknown): boolean {
  const e = error as { code?: unknown; statusCode?: unknown; status?: unknown; message?: unknown } | null;
  const status = Number(e?.statusCode ?? e?.status);
  if (status === 400 || status === 413 || status === 422) return true;
  const text = `${String(e?.code ?? "")} ${String(e?.message ?? error)}`;
  return /too_long|too_large|too long|too large|message_size|payload/i.test(text);
}

/**
 * Tries per delivery before it becomes a dead letter: few when the engine refuses it, many when the engine is
 * only unavailable (with the default backoff capped at 30 s, 60 tries span about half an hour).
 */
export const HAND_OVER_TRIES = { refused: 3, unavailable: 60 } as const;
