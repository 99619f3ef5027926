import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createCommandAgent } from "../../src/agents/command.js";
import { addUsage, exceededBudget, parseUsage, remainingBudget } from "../../src/agents/usage.js";
import { testSandbox } from "../helpers/sandbox.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("usage budgets (pure)", () => {
  it("names the budget that is used up", () => {
    expect(exceededBudget({ turns: 11 }, { turns: 10 })).toBe("turns");
    expect(exceededBudget({ inputTokens: 600, outputTokens: 500 }, { tokens: 1000 })).toBe("tokens");
    expect(exceededBudget({ costUsd: 2.01 }, { costUsd: 2 })).toBe("cost");
    expect(exceededBudget({ turns: 10, inputTokens: 1000, costUsd: 2 }, { turns: 10, tokens: 1000, costUsd: 2 })).toBeUndefined();
  });

  it("adds attempts up and computes what is left", () => {
    const used = addUsage({ turns: 2, inputTokens: 100 }, { turns: 3, outputTokens: 50, costUsd: 0.5 });
    expect(used).toEqual({ turns: 5, inputTokens: 100, outputTokens: 50, costUsd: 0.5 });
    expect(remainingBudget({ turns: 4, tokens: 1000, costUsd: 1 }, used)).toEqual({ turns: 0, tokens: 850, costUsd: 0.5 });
  });

  it("treats a malformed report as no report", () => {
    expect(parseUsage("{nope")).toBeUndefined();
    expect(parseUsage('{"turns": -1}')).toBeUndefined();
    expect(parseUsage('{"turns": 3, "costUsd": 0.2}')).toEqual({ turns: 3, costUsd: 0.2, inputTokens: undefined, outputTokens: undefined });
  });
});

describe("a command agent that reports usage", () => {
  it("is stopped (process killed) once it uses up its token budget, and says which budget", async () => {
    const root = await mkdtemp(join(tmpdir(), "fixbot-usage-"));
    dirs.push(root);
    const workspace = join(root, "ws");
    await import("node:fs/promises").then((fs) => fs.mkdir(workspace));
    // Reports 1,000 more tokens every 50 ms, forever.
    const command = `i=0; while true; do i=$((i+1000)); echo "{\\"inputTokens\\": $i}" > "$FIXBOT_USAGE_FILE"; sleep 0.05; done`;
    const agent = createCommandAgent({
      command,
      scratchDir: join(root, "scratch"),
      sandbox: testSandbox(root, { enabled: false }),
      sandboxKey: "o/r/1",
    });
    const result = await agent.edit({ workspace, task: "t", attempt: 1, timeoutMs: 60_000, budget: { tokens: 3_000 } });
    expect(result.stoppedBy).toBe("tokens");
    expect(result.usage?.inputTokens).toBeGreaterThan(3_000);
    expect(result.timedOut).toBe(false);
  });

  it("reports usage when it finishes within budget", async () => {
    const root = await mkdtemp(join(tmpdir(), "fixbot-usage-"));
    dirs.push(root);
    const workspace = join(root, "ws");
    await import("node:fs/promises").then((fs) => fs.mkdir(workspace));
    const agent = createCommandAgent({
      command: `echo '{"turns": 4, "outputTokens": 900, "costUsd": 0.03}' > "$FIXBOT_USAGE_FILE"; echo done`,
      scratchDir: join(root, "scratch"),
      sandbox: testSandbox(root, { enabled: false }),
      sandboxKey: "o/r/1",
    });
    const result = await agent.edit({ workspace, task: "t", attempt: 1, timeoutMs: 60_000, budget: { tokens: 3_000 } });
    expect(result.stoppedBy).toBeUndefined();
    expect(result.usage).toMatchObject({ turns: 4, outputTokens: 900, costUsd: 0.03 });
  });
});
