import type { Usage } from "../usage.js";
import type { CodexSessionUsage } from "./codex-rollout.js";
import type { CliOutputParser } from "./output-usage.js";

/** USD per million tokens, for computing Codex's cost (Codex prints tokens, never a price). */
export interface TokenPrices {
  inputPerMTok: number;
  /** Cached input; defaults to the input price. */
  cachedInputPerMTok?: number;
  outputPerMTok: number;
}

type Obj = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0);
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const MAX_TEXT = 64 * 1024;

/**
 * `codex exec --json` (one event a line): `turn.completed` carries the turn's `usage` (`input_tokens`, of which
 * `cached_input_tokens` were cached, and `output_tokens`); `item.completed` items of type `agent_message` are what
 * the agent said, `turn.failed` and `error` why it stopped without saying anything. Its stdout has no per-request
 * event: while the turn runs, turns and tokens come from its session log instead (`fromSessionLog`, see
 * codex-rollout.ts); without it turns are unknown (left unset). Codex prints no price: cost is computed only
 * from `prices` when the operator configured them. Pure.
 */
export function createCodexEventsParser(prices?: TokenPrices): CliOutputParser & { fromSessionLog(usage: CodexSessionUsage): void } {
  let seen = false;
  let input = 0;
  let cached = 0;
  let output = 0;
  let text: string | undefined;
  let failure: string | undefined;
  let session: CodexSessionUsage | undefined;
  const cost = (inTokens: number, cachedTokens: number, outTokens: number) =>
    prices
      ? ((inTokens - cachedTokens) * prices.inputPerMTok +
          cachedTokens * (prices.cachedInputPerMTok ?? prices.inputPerMTok) +
          outTokens * prices.outputPerMTok) /
        1e6
      : undefined;
  return {
    fromSessionLog(usage) {
      session = usage;
    },
    line(line) {
      if (line.type === "turn.completed" && isObj(line.usage)) {
        seen = true;
        input += num(line.usage.input_tokens);
        cached += Math.min(num(line.usage.cached_input_tokens), num(line.usage.input_tokens));
        output += num(line.usage.output_tokens);
      } else if (
        line.type === "item.completed" &&
        isObj(line.item) &&
        line.item.type === "agent_message" &&
        typeof line.item.text === "string"
      ) {
        text = line.item.text.slice(-MAX_TEXT);
      } else if (line.type === "turn.failed" && isObj(line.error) && typeof line.error.message === "string") {
        failure = `Codex failed: ${line.error.message}`.slice(0, MAX_TEXT);
      } else if (line.type === "error" && typeof line.message === "string") {
        failure ??= `Codex reported: ${line.message}`.slice(0, MAX_TEXT);
      }
    },
    usage(): Usage | undefined {
      // turn.completed is the final word on tokens; the session log is what is known before it.
      const tokens = seen
        ? { input, cached, output }
        : session
          ? { input: session.inputTokens, cached: Math.min(session.cachedInputTokens, session.inputTokens), output: session.outputTokens }
          : undefined;
      if (!tokens) return undefined;
      const usd = cost(tokens.input, tokens.cached, tokens.output);
      return {
        ...(session ? { turns: session.turns } : {}),
        inputTokens: tokens.input,
        outputTokens: tokens.output,
        ...(usd !== undefined ? { costUsd: usd } : {}),
      };
    },
    /** What the agent last said; without a message, why its turn failed. */
    text: () => text ?? failure,
  };
}
