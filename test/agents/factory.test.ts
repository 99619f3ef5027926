import { describe, expect, it } from "vitest";
import { createAgentFactory } from "../../src/agents/factory.js";
import { agentConfigured, selectAgent } from "../../src/agents/selection.js";
import { testSandbox } from "../helpers/sandbox.js";

describe("selectAgent", () => {
  it("backend: agentos selects agentOS (with its model) for either role", () => {
    expect(selectAgent({ backend: "agentos", model: "claude-haiku-4-5", passEnv: [] }, "edit")).toEqual({
      backend: "agentos",
      model: "claude-haiku-4-5",
    });
    expect(selectAgent({ backend: "agentos", passEnv: [] }, "review")).toEqual({ backend: "agentos" });
  });

  it("a command or preset selects the command backend; nothing selects nothing", () => {
    expect(selectAgent({ command: "./fix.sh", passEnv: ["K"] }, "edit")).toEqual({
      backend: "command",
      command: "./fix.sh",
      passEnv: ["K"],
    });
    expect(selectAgent({ preset: "codex", passEnv: [] }, "review")).toMatchObject({
      backend: "command",
      command: expect.stringContaining("codex exec --json"),
      output: "codex-json",
    });
    expect(selectAgent({ passEnv: [] }, "review")).toBeUndefined();
    expect(selectAgent({ backend: "command", passEnv: [] }, "edit")).toBeUndefined();
  });

  it("an agentOS section counts as a configured agent (the review runs, the fix is allowed)", () => {
    expect(agentConfigured({ backend: "agentos", passEnv: [] })).toBe(true);
    expect(agentConfigured({ passEnv: [] })).toBe(false);
  });
});

describe("createAgentFactory", () => {
  const common = { role: "edit" as const, scratchDir: "/tmp/x", secrets: [], sandboxKey: "o/r/1" };

  it("builds the backend the selection names", () => {
    const factory = createAgentFactory({ agentos: { apiKey: "k" }, sandbox: testSandbox("/tmp/x") });
    expect(factory({ ...common, agent: { backend: "agentos" } }).kind).toBe("agentos");
    expect(factory({ ...common, agent: { backend: "command", command: "true", passEnv: [] } }).kind).toBe("command");
  });
});
