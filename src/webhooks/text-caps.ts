/**
 * Caps on the user-written text that enters a job. A job travels through the inbox journal and RivetKit's queue
 * (whose messages are limited to 64 KiB by default), and what an agent reads should not be whatever a stranger
 * pasted. Sizes are UTF-8 bytes, because that is what the limits count (a CJK character is 3 bytes).
 */
export const TEXT_CAPS = {
  /** Issue and pull request titles. */
  titleBytes: 1_024,
  /** Issue bodies (GitHub allows 65,536 characters: up to ~192 KiB of CJK). */
  issueBodyBytes: 16_384,
  /** Pull request bodies given to the review agent. */
  prBodyBytes: 8_192,
  /** Instructions of a `/fixbot fix` comment. */
  instructionsBytes: 8_192,
} as const;

const encoder = new TextEncoder();

/** The longest prefix of `text` within `maxBytes` UTF-8 bytes, never splitting a character. Pure, linear. */
export function prefixWithinBytes(text: string, maxBytes: number): string {
  // Any string of n UTF-16 units is at most 3n bytes: short text needs no encoding.
  if (text.length * 3 <= maxBytes) return text;
  const { read } = encoder.encodeInto(text, new Uint8Array(maxBytes));
  return text.slice(0, read);
}

export interface Capped {
  text: string;
  /** The text was longer than its cap and was cut. */
  cut: boolean;
}

/**
 * Cuts `text` to `maxBytes` and, when it cut, says so at the end in words the agent and the people reading the
 * tracking comment see: "[fixbot: the issue body was longer than 16 KiB and is cut here ...]". Pure.
 */
export function capText(text: string, maxBytes: number, what: string): Capped {
  const kept = prefixWithinBytes(text, maxBytes);
  if (kept.length === text.length) return { text, cut: false };
  return {
    text: `${kept}\n\n[fixbot: ${what} was longer than ${Math.round(maxBytes / 1024)} KiB and is cut here; the rest was not read]`,
    cut: true,
  };
}

/** A one-line cap for titles: cut with an ellipsis. Pure. */
export function capTitle(text: string, maxBytes: number = TEXT_CAPS.titleBytes): string {
  const kept = prefixWithinBytes(text, maxBytes);
  return kept.length === text.length ? text : `${kept}… (cut)`;
}

/** UTF-8 size of a value as JSON: what a job costs in the journal and in an engine message. Pure. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
}
