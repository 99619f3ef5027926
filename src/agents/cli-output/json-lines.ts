/**
 * Splits a CLI's stdout, arriving in chunks, into JSON objects, one per line. Bounded: a line longer than
 * `maxLineChars` is dropped whole (its start and everything up to the next newline), so a hostile or run-away
 * output never holds more than one line's limit in memory. Lines that are not a JSON object are ignored.
 */
export interface JsonLines {
  push(chunk: string): void;
  /** The last line, when the output ended without a newline. */
  end(): void;
}

export const DEFAULT_MAX_LINE_CHARS = 1024 * 1024;

export function createJsonLines(onObject: (value: Record<string, unknown>) => void, maxLineChars = DEFAULT_MAX_LINE_CHARS): JsonLines {
  let pending = "";
  let skipping = false;
  const handle = (line: string) => {
    const text = line.trim();
    if (!text.startsWith("{")) return;
    try {
      const value: unknown = JSON.parse(text);
      if (value && typeof value === "object" && !Array.isArray(value)) onObject(value as Record<string, unknown>);
    } catch {
      // not JSON (a warning the CLI printed): not usage
    }
  };
  return {
    push(chunk) {
      let start = 0;
      for (let nl = chunk.indexOf("\n"); nl !== -1; nl = chunk.indexOf("\n", start)) {
        const piece = chunk.slice(start, nl);
        if (!skipping && pending.length + piece.length <= maxLineChars) handle(pending + piece);
        pending = "";
        skipping = false;
        start = nl + 1;
      }
      if (skipping) return;
      const rest = chunk.slice(start);
      if (pending.length + rest.length > maxLineChars) {
        pending = "";
        skipping = true;
      } else {
        pending += rest;
      }
    },
    end() {
      if (!skipping && pending) handle(pending);
      pending = "";
      skipping = false;
    },
  };
}
