/** Tokens one model request used, as the provider reported them in its stream. */
export interface RequestUsage {
  inputTokens: number;
  outputTokens: number;
}

interface StreamEvent {
  type?: string;
  message?: { usage?: Record<string, unknown> };
  usage?: Record<string, unknown>;
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined);

/** Input tokens including prompt-cache reads and writes: all of them are billed and count against the budget. */
function inputOf(usage: Record<string, unknown>): number | undefined {
  const parts = [usage.input_tokens, usage.cache_creation_input_tokens, usage.cache_read_input_tokens].map(num);
  return parts.every((p) => p === undefined) ? undefined : parts.reduce<number>((a, b) => a + (b ?? 0), 0);
}

/** Folds one Anthropic stream event into the request's usage. `message_delta` counts are cumulative. Pure. */
export function applyStreamEvent(usage: RequestUsage, event: StreamEvent): RequestUsage {
  if (event.type === "message_start" && event.message?.usage) {
    const u = event.message.usage;
    return { inputTokens: inputOf(u) ?? usage.inputTokens, outputTokens: num(u.output_tokens) ?? usage.outputTokens };
  }
  if (event.type === "message_delta" && event.usage) {
    const u = event.usage;
    return { inputTokens: inputOf(u) ?? usage.inputTokens, outputTokens: num(u.output_tokens) ?? usage.outputTokens };
  }
  return usage;
}

/**
 * Reads an Anthropic Messages SSE stream chunk by chunk (chunks may cut lines anywhere) and keeps the usage the
 * provider reported. Malformed lines are ignored: usage is only ever what the provider said.
 */
export function createSseUsageReader(onUsage?: (usage: RequestUsage) => void): { push(chunk: string): void; usage(): RequestUsage } {
  let buffer = "";
  let usage: RequestUsage = { inputTokens: 0, outputTokens: 0 };
  return {
    push(chunk) {
      buffer += chunk;
      let newline = buffer.indexOf("\n");
      while (newline !== -1) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf("\n");
        if (!line.startsWith("data:")) continue;
        try {
          const next = applyStreamEvent(usage, JSON.parse(line.slice(5)) as StreamEvent);
          if (next !== usage) {
            usage = next;
            onUsage?.(usage);
          }
        } catch {
          // not JSON: not a usage report
        }
      }
    },
    usage: () => usage,
  };
}

/** A non-streaming Messages answer: one JSON object whose `usage` field says what the request used. */
export function usageOfJsonAnswer(text: string): RequestUsage {
  try {
    const parsed = JSON.parse(text) as { usage?: unknown };
    const u = parsed.usage;
    if (!u || typeof u !== "object") return { inputTokens: 0, outputTokens: 0 };
    const usage = u as Record<string, unknown>;
    return { inputTokens: inputOf(usage) ?? 0, outputTokens: num(usage.output_tokens) ?? 0 };
  } catch {
    return { inputTokens: 0, outputTokens: 0 };
  }
}

/**
 * The usage reader for one answer, chosen by its content type: an SSE stream is read event by event as it
 * passes; anything else is kept and read as one JSON answer when it ends (the provider's answer is bounded by the
 * request's max_tokens, and `usage` comes last, so it is not cut). Both report through `usage()`, so a client
 * cannot bypass the token budget by asking for a non-streaming answer.
 */
export function createAnswerUsageReader(
  contentType: string | null,
  onUsage?: (usage: RequestUsage) => void,
): { push(chunk: string): void; end(): void; usage(): RequestUsage } {
  if ((contentType ?? "").includes("text/event-stream")) {
    const sse = createSseUsageReader(onUsage);
    return { push: sse.push, end: () => undefined, usage: sse.usage };
  }
  let text = "";
  let usage: RequestUsage = { inputTokens: 0, outputTokens: 0 };
  return {
    push(chunk) {
      text += chunk;
    },
    end() {
      usage = usageOfJsonAnswer(text);
      text = "";
      onUsage?.(usage);
    },
    usage: () => usage,
  };
}
