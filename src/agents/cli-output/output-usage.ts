import { exceededBudget, type BudgetName, type Usage, type UsageBudget } from "../usage.js";
import { createClaudeStreamParser } from "./claude-stream.js";
import { createCodexEventsParser, type TokenPrices } from "./codex-events.js";
import { watchCodexRollout } from "./codex-rollout.js";
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
  finish(): Promise<{ usage?: Usage; text?: string }>;
}

/**
 * Reads usage from a CLI's stdout while it runs and calls `onExceeded` once (the first budget passed), like the
 * usage file's watcher does for other command agents.
 */
export function watchOutputUsage(params: {
  format: CliOutputFormat;
  budget: UsageBudget;
  codexPrices?: TokenPrices;
  /** Host path of Codex's CODEX_HOME/sessions for this invocation, followed while it runs (codex-rollout.ts). */
  codexSessionsDir?: string;
  onExceeded: (name: BudgetName) => void;
}): OutputUsageWatch {
  const codex = params.format === "codex-json" ? createCodexEventsParser(params.codexPrices) : undefined;
  const parser = codex ?? createCliOutputParser(params.format);
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
  const sessionLog =
    codex && params.codexSessionsDir
      ? watchCodexRollout({
          sessionsDir: params.codexSessionsDir,
          onUsage: (usage) => {
            codex.fromSessionLog(usage);
            check();
          },
        })
      : undefined;
  return {
    onStdout: (chunk) => lines.push(chunk),
    async finish() {
      await sessionLog?.stop();
      lines.end();
      check();
      const usage = parser.usage();
      const text = parser.text();
      return { ...(usage ? { usage } : {}), ...(text !== undefined ? { text } : {}) };
    },
  };
}
