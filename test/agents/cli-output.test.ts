import { mkdir, mkdtemp, readFile, rm, symlink, writeFile, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { watchCodexRollout, type CodexSessionUsage } from "../../src/agents/cli-output/codex-rollout.js";
import { createJsonLines } from "../../src/agents/cli-output/json-lines.js";
import { CodexPricesError, parseCodexPrices } from "../../src/agents/cli-output/codex-prices.js";
import { createCliOutputParser, watchOutputUsage } from "../../src/agents/cli-output/output-usage.js";
import { createAgentFactory } from "../../src/agents/factory.js";
import { testSandbox } from "../helpers/sandbox.js";

const RECORDED = join(import.meta.dirname, "recorded");
/** Real output of the real CLIs against test/helpers' mock model servers (2 model requests, 100 in / 20 out each). */
const claudeOut = () => readFile(join(RECORDED, "claude-code-2.1.332-stream-json.jsonl"), "utf8");
const codexOut = () => readFile(join(RECORDED, "codex-0.171.0-exec-json.jsonl"), "utf8");

function feed(format: "claude-stream-json" | "codex-json", text: string, chunk = 7) {
  const parser = createCliOutputParser(format);
  const lines = createJsonLines((line) => parser.line(line));
  for (let i = 0; i < text.length; i += chunk) lines.push(text.slice(i, i + chunk));
  lines.end();
  return parser;
}

describe("Claude Code's stream-json", () => {
  it("gives the result line's turns, tokens and cost, and its final text, however the output is chunked", async () => {
    const text = await claudeOut();
    for (const chunk of [1, 13, 4096]) {
      const parser = feed("claude-stream-json", text, chunk);
      expect(parser.usage()).toEqual({ turns: 2, inputTokens: 200, outputTokens: 40, costUsd: 0.0016 });
      expect(parser.text()).toBe("Fixed it.");
    }
  });

  it("counts turns and tokens from the assistant lines before the result line arrives", async () => {
    const lines = (await claudeOut()).split("\n").filter((l) => l.includes('"type":"assistant"'));
    const parser = feed("claude-stream-json", `${lines.join("\n")}\n`);
    // The stream reports 1 output token per message at its start; the result line has the final count.
    expect(parser.usage()).toEqual({ turns: 2, inputTokens: 200, outputTokens: 2 });
    expect(parser.text()).toBeUndefined();
  });

  it("counts a message streamed as several lines (one per content block) once, cache reads and writes as input", () => {
    const msg = (id: string, usage: object) => JSON.stringify({ type: "assistant", message: { id, usage } });
    const parser = feed(
      "claude-stream-json",
      [
        msg("m1", { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 1 }),
        msg("m1", { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 30 }),
        msg("m2", { input_tokens: 7, cache_creation_input_tokens: 3, output_tokens: 2 }),
      ].join("\n"),
    );
    expect(parser.usage()).toEqual({ turns: 2, inputTokens: 25, outputTokens: 32 });
  });
});

describe("Codex's exec --json", () => {
  it("gives turn.completed's tokens and the last agent message; no turns and no cost (Codex prints neither)", async () => {
    const parser = feed("codex-json", await codexOut());
    expect(parser.usage()).toEqual({ inputTokens: 200, outputTokens: 40 });
    expect(parser.text()).toBe("Done fixing.");
  });

  it("computes cost only from configured prices, cached input at its own price", () => {
    const line = JSON.stringify({
      type: "turn.completed",
      usage: { input_tokens: 1_000_000, cached_input_tokens: 400_000, output_tokens: 100_000 },
    });
    const parser = createCliOutputParser("codex-json", {
      codexPrices: { inputPerMTok: 1.25, cachedInputPerMTok: 0.125, outputPerMTok: 10 },
    });
    parser.line(JSON.parse(line) as Record<string, unknown>);
    expect(parser.usage()?.costUsd).toBeCloseTo(0.6 * 1.25 + 0.4 * 0.125 + 0.1 * 10, 10);
  });

  it("without an agent message, the text says why the turn failed (not the raw JSON)", () => {
    const failed = feed(
      "codex-json",
      '{"type":"turn.started"}\n{"type":"error","message":"Reconnecting... 1/5"}\n{"type":"turn.failed","error":{"message":"unexpected status 401 Unauthorized"}}\n',
    );
    expect(failed.text()).toBe("Codex failed: unexpected status 401 Unauthorized");
    expect(feed("codex-json", '{"type":"error","message":"stream disconnected"}\n').text()).toBe("Codex reported: stream disconnected");
  });

  it("reports nothing before a turn completes (no usage is never zero usage)", () => {
    expect(feed("codex-json", '{"type":"thread.started","thread_id":"t"}\n{"type":"turn.started"}\n').usage()).toBeUndefined();
  });
});

describe("reading untrusted output", () => {
  it("drops a line longer than the limit whole and keeps reading the next ones", () => {
    const seen: unknown[] = [];
    const lines = createJsonLines((v) => seen.push(v), 100);
    lines.push(`{"type":"result","num_turns":99,"pad":"${"x".repeat(500)}`);
    lines.push(`${"y".repeat(500)}"}\n{"type":"a"}\n`);
    lines.end();
    expect(seen).toEqual([{ type: "a" }]);
  });

  it("ignores non-JSON lines, arrays, numbers and negative or non-numeric usage", () => {
    const parser = feed(
      "claude-stream-json",
      'warning: something\n[1,2]\n42\n{"type":"result","num_turns":-3,"usage":{"input_tokens":"9","output_tokens":5},"total_cost_usd":"1"}\n',
    );
    expect(parser.usage()).toEqual({ turns: 0, inputTokens: 0, outputTokens: 5 });
  });

  it("holds at most one line's limit however much a hostile CLI prints without a newline", () => {
    const seen: unknown[] = [];
    const lines = createJsonLines((v) => seen.push(v), 1024);
    const before = process.memoryUsage().heapUsed;
    const block = "z".repeat(1024 * 1024);
    for (let i = 0; i < 200; i++) lines.push(block); // 200 MiB of one line
    lines.push('\n{"type":"ok"}\n');
    expect(seen).toEqual([{ type: "ok" }]);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
  });
});

describe("watchOutputUsage", () => {
  it("stops at the first budget passed while the output streams, once, and names it", async () => {
    const names: string[] = [];
    const watch = watchOutputUsage({ format: "claude-stream-json", budget: { tokens: 150 }, onExceeded: (n) => names.push(n) });
    const lines = (await claudeOut()).split("\n");
    const firstAssistant = lines.findIndex((l) => l.includes('"type":"assistant"'));
    watch.onStdout(`${lines.slice(0, firstAssistant + 1).join("\n")}\n`);
    expect(names).toEqual([]); // 101 tokens so far
    watch.onStdout(`${lines.slice(firstAssistant + 1).join("\n")}\n`);
    expect(names).toEqual(["tokens"]);
    expect((await watch.finish()).usage).toMatchObject({ inputTokens: 200, outputTokens: 40 });
    expect(names).toEqual(["tokens"]);
  });

  it("a cost budget is checked against Claude Code's own total_cost_usd when its result line arrives", async () => {
    const names: string[] = [];
    const watch = watchOutputUsage({ format: "claude-stream-json", budget: { costUsd: 0.001 }, onExceeded: (n) => names.push(n) });
    const lines = (await claudeOut()).split("\n");
    watch.onStdout(`${lines.filter((l) => !l.includes('"type":"result"')).join("\n")}\n`);
    expect(names).toEqual([]);
    watch.onStdout(`${lines.find((l) => l.includes('"type":"result"'))}\n`);
    expect(names).toEqual(["cost"]);
  });

  it("a turn budget stops Claude Code at the turn past it; Codex's tokens are checked when its turn completes", async () => {
    const turns: string[] = [];
    const claude = watchOutputUsage({ format: "claude-stream-json", budget: { turns: 1 }, onExceeded: (n) => turns.push(n) });
    claude.onStdout(await claudeOut());
    expect(turns).toEqual(["turns"]);
    const tokens: string[] = [];
    const codex = watchOutputUsage({ format: "codex-json", budget: { tokens: 239 }, onExceeded: (n) => tokens.push(n) });
    codex.onStdout(await codexOut());
    expect(tokens).toEqual(["tokens"]);
  });
});

describe("FIXBOT_CODEX_PRICES", () => {
  it("reads input, output and cached prices; unset means no cost; a bad value names the variable and the form", () => {
    expect(parseCodexPrices(undefined)).toBeUndefined();
    expect(parseCodexPrices(" ")).toBeUndefined();
    expect(parseCodexPrices("input=1.25, cached=0.125, output=10")).toEqual({
      inputPerMTok: 1.25,
      cachedInputPerMTok: 0.125,
      outputPerMTok: 10,
    });
    expect(parseCodexPrices("output=10,input=2")).toEqual({ inputPerMTok: 2, outputPerMTok: 10 });
    for (const bad of ["input=1", "input=x,output=1", "input=-1,output=1", "inputs=1,output=2", "input=1,output="]) {
      expect(() => parseCodexPrices(bad)).toThrow(/^invalid FIXBOT_CODEX_PRICES ".*": expected `input=/);
    }
  });

  it("is read when the agent factory is built (the bot's and the CLI's start), so a bad value stops it there", () => {
    expect(() => createAgentFactory({ baseEnv: { FIXBOT_CODEX_PRICES: "input=abc" }, sandbox: testSandbox("/tmp/x") })).toThrow(
      CodexPricesError,
    );
  });
});

describe("Codex's session log, followed while it runs", () => {
  const rollout = () => readFile(join(RECORDED, "codex-0.171.0-rollout.jsonl"), "utf8");

  it("gives a turn and the cumulative tokens at every model response, as Codex appends them", async () => {
    const root = await mkdtemp(join(tmpdir(), "fixbot-rollout-"));
    try {
      const day = join(root, "sessions", "2026", "12", "02");
      await mkdir(day, { recursive: true });
      const lines = (await rollout()).split("\n");
      const second = lines.findIndex((l, i) => l.includes('"token_count"') && lines.slice(0, i).some((x) => x.includes('"token_count"')));
      const file = join(day, "rollout-2026-12-02T08-21-11-x.jsonl");
      await writeFile(file, lines.slice(0, second).join("\n") + "\n");
      const seen: CodexSessionUsage[] = [];
      const watch = watchCodexRollout({ sessionsDir: join(root, "sessions"), intervalMs: 10, onUsage: (u) => seen.push(u) });
      await vi.waitFor(() => expect(seen).toEqual([{ turns: 1, inputTokens: 100, cachedInputTokens: 0, outputTokens: 20 }]));
      await appendFile(file, lines.slice(second).join("\n"));
      await watch.stop();
      expect(seen.at(-1)).toEqual({ turns: 2, inputTokens: 200, cachedInputTokens: 0, outputTokens: 40 });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("never follows a link the agent planted in place of the log", async () => {
    const root = await mkdtemp(join(tmpdir(), "fixbot-rollout-"));
    try {
      const day = join(root, "sessions", "2026", "12", "02");
      await mkdir(day, { recursive: true });
      const elsewhere = join(root, "elsewhere.jsonl");
      await writeFile(elsewhere, (await rollout()).repeat(3));
      await symlink(elsewhere, join(day, "rollout-a.jsonl"));
      await writeFile(join(day, "rollout-b.jsonl"), await rollout());
      const seen: CodexSessionUsage[] = [];
      const watch = watchCodexRollout({ sessionsDir: join(root, "sessions"), intervalMs: 10, onUsage: (u) => seen.push(u) });
      await watch.stop();
      expect(seen.map((u) => u.turns)).toEqual([1, 2]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("gives the codex parser turns and live tokens before turn.completed, which then has the final say", () => {
    const parser = createCliOutputParser("codex-json") as ReturnType<typeof createCliOutputParser> & {
      fromSessionLog(u: CodexSessionUsage): void;
    };
    parser.fromSessionLog({ turns: 1, inputTokens: 100, cachedInputTokens: 0, outputTokens: 20 });
    expect(parser.usage()).toEqual({ turns: 1, inputTokens: 100, outputTokens: 20 });
    parser.line({ type: "turn.completed", usage: { input_tokens: 250, output_tokens: 45 } });
    expect(parser.usage()).toEqual({ turns: 1, inputTokens: 250, outputTokens: 45 });
  });
});
