import type { Usage } from "../usage.js";
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
 * the agent said, `turn.failed` and `error` why it stopped without saying anything. Codex prints no per-request event and no price, so turns are not known (left unset) and cost
 * is computed only from `prices` when the operator configured them. Pure.
 */
export function createCodexEventsParser(prices?: TokenPrices): CliOutputParser {
  let seen = false;
  let input = 0;
  let cached = 0;
  let output = 0;
  let text: string | undefined;
  let failure: string | undefined;
  return {
    line(line) {
      if (line.type === "turn.completed" && isObj(line.usage)) {
        seen = true;
        input += num(line.usage.input_tokens);
        cached += Math.min(num(line.usage.cached_input_tokens), num(line.usage.input_tokens));
        output += num(line.usage.output_tokens);
      } else if (line.type === "item.completed" && isObj(line.item) && line.item.type === "agent_message" && typeof line.item.text === "string") {
        text = line.item.text.slice(-MAX_TEXT);
      } else if (line.type === "turn.failed" && isObj(line.error) && typeof line.error.message === "string") {
        failure = `Codex failed: ${line.error.message}`.slice(0, MAX_TEXT);
      } else if (line.type === "error" && typeof line.message === "string") {
        failure ??= `Codex reported: ${line.message}`.slice(0, MAX_TEXT);
      }
    },
    usage(): Usage | undefined {
      if (!seen) return undefined;
      const usage: Usage = { inputTokens: input, outputTokens: output };
      if (prices) {
        const cachedPrice = prices.cachedInputPerMTok ?? prices.inputPerMTok;
        usage.costUsd = ((input - cached) * prices.inputPerMTok + cached * cachedPrice + output * prices.outputPerMTok) / 1e6;
      }
      return usage;
    },
    /** What the agent last said; without a message, why its turn failed. */
    text: () => text ?? failure,
  };
}
