/**
 * Streams text out in whole lines, so redaction sees a secret whole even when the agent's output arrives in
 * pieces. A line longer than `maxLine` is let through in parts (a run-away line must not grow without bound).
 */
export function createLineBuffer(emit: (text: string) => void, maxLine = 4000): { push(text: string): void; flush(): void } {
  let pending = "";
  return {
    push(text) {
      pending += text;
      const cut = pending.lastIndexOf("\n");
      if (cut !== -1) {
        emit(pending.slice(0, cut + 1));
        pending = pending.slice(cut + 1);
      }
      if (pending.length > maxLine) {
        emit(pending);
        pending = "";
      }
    },
    flush() {
      if (pending) emit(pending);
      pending = "";
    },
  };
}
