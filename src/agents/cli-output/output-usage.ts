import { exceededBudget, type BudgetName, type Usage, type UsageBudget } from "../usage.js";
import { createClaudeStreamParser } from "./claude-stream.js";
import { createCodexEventsParser, type TokenPrices } from "./codex-events.js";
import { createJsonLines } from "./json-lines.js";

/** The machine-readable outputs fixbot reads usage from (what the presets make the real CLIs print). */
export const CLI_OUTPUT_FORMATS = ["claude-stream-json", "codex-json"] as const;
export type CliOutputFormat = (typeof CLI_OUTPUT_FORMATS)[number];

/** Reads one CLI's JSON lines: what it has used so far, and its final words (the summary or the review). */
export interface CliOutputParser {
  line(line: Record<string, unknown>): void;
  usage(): Usage | undefined;
  text(): string | undefined;
}

export function createCliOutputParser(format: CliOutputFormat, options: { codexPrices?: TokenPrices } = {}): CliOutputParser {
  return format === "claude-stream-json" ? createClaudeStreamParser() : createCodexEventsParser(options.codexPrices);
}

export interface OutputUsageWatch {
  /** Feed stdout as it arrives (in any chunks). */
  onStdout(chunk: string): void;
  /** After the process ended: the usage and final text read from its whole output. */
  finish(): { usage?: Usage; text?: string };
}

/**
 * Reads usage from a CLI's stdout while it runs and calls `onExceeded` once (the first budget passed), like the
 * usage file's watcher does for other command agents.
 */
export function watchOutputUsage(params: { format: CliOutputFormat; budget: UsageBudget; codexPrices?: TokenPrices; onExceeded: (name: BudgetName) => void }): OutputUsageWatch {
  const parser = createCliOutputParser(params.format, { codexPrices: params.codexPrices });
  let fired = false;
  const check = () => {
    const usage = parser.usage();
    const name = usage ? exceededBudget(usage, params.budget) : undefined;
    if (name && !fired) {
      fired = true;
      params.onExceeded(name);
    }
  };
  const lines = createJsonLines((line) => {
    parser.line(line);
    check();
  });
  return {
    onStdout: (chunk) => lines.push(chunk),
    finish() {
      lines.end();
      check();
      const usage = parser.usage();
      const text = parser.text();
      return { ...(usage ? { usage } : {}), ...(text !== undefined ? { text } : {}) };
    },
  };
}
