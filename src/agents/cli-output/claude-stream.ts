import type { Usage } from "../usage.js";
import type { CliOutputParser } from "./output-usage.js";

/**
 * Claude Code's `--output-format stream-json --verbose` (one JSON object a line): `assistant` lines carry each
 * model response's `usage` (repeated for every content block of the same message id), the closing `result` line
 * the run's totals: `num_turns`, `usage` or per-model `modelUsage`, and `total_cost_usd`, which Claude Code
 * computes itself. While it runs, turns and tokens are added up from the assistant lines (output tokens as far as
 * the stream has reported them); the result line then replaces them with its own numbers. Pure.
 */
type Obj = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0);
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Input tokens as Anthropic counts them: fresh input plus cache writes and reads. */
function inputOf(u: Obj): number {
  return num(u.input_tokens) + num(u.cache_creation_input_tokens) + num(u.cache_read_input_tokens);
}

const MAX_TEXT = 64 * 1024;

export function createClaudeStreamParser(): CliOutputParser {
  let turns = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  // The message being streamed: its blocks come one line each, with the same id and a growing usage.
  let current: { id: string; input: number; output: number } | undefined;
  let final: Usage | undefined;
  let text: string | undefined;

  const onAssistant = (message: Obj) => {
    const id = typeof message.id === "string" ? message.id : "";
    const usage = isObj(message.usage) ? message.usage : {};
    if (!current || current.id !== id || id === "") {
      if (current) {
        inputTokens += current.input;
        outputTokens += current.output;
      }
      turns += 1;
      current = { id, input: 0, output: 0 };
    }
    current.input = Math.max(current.input, inputOf(usage));
    current.output = Math.max(current.output, num(usage.output_tokens));
  };

  const onResult = (line: Obj) => {
    const models = isObj(line.modelUsage) ? Object.values(line.modelUsage).filter(isObj) : [];
    const usage = isObj(line.usage) ? line.usage : {};
    const fromModels = models.length > 0;
    const input = fromModels
      ? models.reduce((s, m) => s + num(m.inputTokens) + num(m.cacheReadInputTokens) + num(m.cacheCreationInputTokens), 0)
      : inputOf(usage);
    const output = fromModels ? models.reduce((s, m) => s + num(m.outputTokens), 0) : num(usage.output_tokens);
    final = {
      turns: Math.max(num(line.num_turns), turns),
      inputTokens: input,
      outputTokens: output,
      ...(typeof line.total_cost_usd === "number" ? { costUsd: num(line.total_cost_usd) } : {}),
    };
    if (typeof line.result === "string") text = line.result.slice(-MAX_TEXT);
  };

  return {
    line(line) {
      if (line.type === "assistant" && isObj(line.message)) onAssistant(line.message);
      else if (line.type === "result") onResult(line);
    },
    usage() {
      if (final) return final;
      if (turns === 0) return undefined;
      return { turns, inputTokens: inputTokens + (current?.input ?? 0), outputTokens: outputTokens + (current?.output ?? 0) };
    },
    text: () => text,
  };
}
