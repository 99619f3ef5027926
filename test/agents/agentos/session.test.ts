import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentOsAgent } from "../../../src/agents/agentos/agent.js";
import { startModelProxy } from "../../../src/agents/agentos/model-proxy.js";
import type { AgentVm, AgentVmLauncher } from "../../../src/agents/agentos/vm.js";
import { AgentError } from "../../../src/agents/types.js";
import { startMockAnthropic, type MockAnthropic } from "../../helpers/mock-anthropic.js";

/**
 * The session logic with a fake VM (fast; the real VM is in agentos.vm.test.ts): what is opened is closed, stops
 * cancel the prompt before the VM is disposed, and the proxy counts, refuses and reports as the budgets say.
 * The fake "pi" calls the proxy over HTTP exactly as pi does, with the env fixbot gave the session.
 */
const API_KEY = "sk-ant-unit-0123456789abcdefghijklmnop";
let work: string;
let upstream: MockAnthropic;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "fixbot-agentos-unit-"));
  upstream = await startMockAnthropic({
    apiKey: API_KEY,
    script: (i) => ({ tool: "bash", input: { command: `echo ${i}` }, usage: { input: 400, output: 100 } }),
  });
});

afterAll(async () => {
  await upstream.close();
  await rm(work, { recursive: true, force: true });
});

/** One model request the way pi makes it, through the proxy named in the session env. */
async function modelRequest(env: Record<string, string>): Promise<number> {
  const res = await fetch(`${env.ANTHROPIC_BASE_URL}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": env.ANTHROPIC_API_KEY!, "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "m", stream: true, messages: [] }),
  });
  await res.text();
  return res.status;
}

type Behaviour = (ctx: { env: Record<string, string>; cancelled: Promise<void> }) => Promise<{ stopReason: string; text: string }>;

function fakeLauncher(behaviour: Behaviour, opts: { failStart?: boolean } = {}) {
  const log: string[] = [];
  let env: Record<string, string> = {};
  const launcher: AgentVmLauncher = {
    async start() {
      if (opts.failStart) throw new AgentError("The agentOS VM did not start: injected");
      log.push("start");
      let cancel = () => undefined as void;
      const cancelled = new Promise<void>((r) => (cancel = r));
      const vm: AgentVm = {
        writeFile: async (path) => void log.push(`write ${path}`),
        openSession: async (p) => {
          env = p.env;
          log.push("open");
        },
        prompt: async () => behaviour({ env, cancelled }),
        cancelPrompt: async () => {
          log.push("cancel");
          cancel();
        },
        closeSession: async () => void log.push("close"),
        onSessionEvent: () => () => undefined,
        dispose: async () => void log.push("dispose"),
      };
      return vm;
    },
  };
  return { launcher, log, env: () => env };
}

function agent(launcher: AgentVmLauncher, model?: string) {
  return createAgentOsAgent({
    provider: { apiKey: API_KEY, baseUrl: upstream.url, model },
    scratchDir: join(work, "scratch"),
    secrets: [],
    launcher,
    knownModels: async () => ["claude-haiku-4-5"],
  });
}

const untilCancelled: Behaviour = async ({ cancelled }) => {
  await cancelled;
  return { stopReason: "cancelled", text: "" };
};

describe("agentOS session lifecycle (fake VM)", () => {
  it("gives the session only the proxy's address and a one-off key, writes the model setting, and closes everything", async () => {
    const fake = fakeLauncher(async ({ env }) => {
      expect(await modelRequest(env)).toBe(200);
      return { stopReason: "end_turn", text: "done" };
    });
    const result = await agent(fake.launcher, "claude-haiku-4-5").edit({ workspace: work, task: "t", attempt: 1, timeoutMs: 60_000 });
    expect(Object.keys(fake.env()).sort()).toEqual(["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"]);
    expect(fake.env().ANTHROPIC_API_KEY).not.toBe(API_KEY);
    expect(fake.env().ANTHROPIC_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(fake.log).toEqual(["start", "write /home/agentos/.pi/agent/settings.json", "open", "close", "dispose"]);
    expect(result).toMatchObject({ summary: "done", usage: { turns: 1, inputTokens: 400, outputTokens: 100 } });
    // The per-call temp directory (the VM's database) is gone.
    expect(await readdir(join(work, "scratch"))).toEqual([]);
  });

  it("a review reports the model proxy's usage, as an edit does", async () => {
    const fake = fakeLauncher(async ({ env }) => {
      expect(await modelRequest(env)).toBe(200);
      expect(await modelRequest(env)).toBe(200);
      return { stopReason: "end_turn", text: "looks fine" };
    });
    const result = await agent(fake.launcher).review({ workspace: work, diff: "d", context: "c", timeoutMs: 60_000 });
    expect(result).toMatchObject({ body: "looks fine", usage: { turns: 2, inputTokens: 800, outputTokens: 200 } });
  });

  it("a timeout cancels the prompt, then closes and disposes; the result says timed out", async () => {
    const fake = fakeLauncher(untilCancelled);
    const result = await agent(fake.launcher).edit({ workspace: work, task: "t", attempt: 1, timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    expect(fake.log).toEqual(["start", "open", "cancel", "close", "dispose"]);
  });

  it("an abort cancels the prompt, disposes and throws the abort reason", async () => {
    const fake = fakeLauncher(untilCancelled);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("cancelled by @someone")), 200);
    await expect(
      agent(fake.launcher).edit({ workspace: work, task: "t", attempt: 1, timeoutMs: 60_000, signal: controller.signal }),
    ).rejects.toThrow("cancelled by @someone");
    expect(fake.log).toEqual(["start", "open", "cancel", "close", "dispose"]);
  });

  it("a token budget used up mid-run stops the agent: stoppedBy tokens, with the usage reported", async () => {
    const fake = fakeLauncher(async ({ env, cancelled }) => {
      for (;;) {
        const status = await Promise.race([modelRequest(env), cancelled.then(() => 0)]);
        if (status !== 200) break;
      }
      return { stopReason: "cancelled", text: "" };
    });
    const result = await agent(fake.launcher).edit({ workspace: work, task: "t", attempt: 1, timeoutMs: 60_000, budget: { tokens: 1200 } });
    expect(result.stoppedBy).toBe("tokens");
    expect(result.usage).toEqual({ turns: 3, inputTokens: 1200, outputTokens: 300 });
    expect(fake.log.slice(-3)).toEqual(["cancel", "close", "dispose"]);
  });

  it("a prompt that fails is an AgentError, and the VM is still disposed", async () => {
    const fake = fakeLauncher(async () => {
      throw new Error("invalid_state: adapter exited");
    });
    await expect(agent(fake.launcher).edit({ workspace: work, task: "t", attempt: 1, timeoutMs: 60_000 })).rejects.toThrow(
      /^The agentOS session failed: invalid_state: adapter exited$/,
    );
    expect(fake.log).toEqual(["start", "open", "close", "dispose"]);
  });

  it("a VM that does not start is an AgentError; nothing was opened", async () => {
    const fake = fakeLauncher(untilCancelled, { failStart: true });
    await expect(agent(fake.launcher).edit({ workspace: work, task: "t", attempt: 1, timeoutMs: 60_000 })).rejects.toThrow(
      "The agentOS VM did not start: injected",
    );
    expect(fake.log).toEqual([]);
  });

  it("without an API key, selecting agentOS says which variable to set", async () => {
    const a = createAgentOsAgent({ provider: {}, scratchDir: join(work, "scratch"), secrets: [] });
    await expect(a.edit({ workspace: work, task: "t", attempt: 1, timeoutMs: 1000 })).rejects.toThrow(
      /set ANTHROPIC_API_KEY in fixbot's environment/,
    );
  });
});

describe("model proxy", () => {
  it("refuses a request without the session key, and never forwards it", async () => {
    const before = upstream.requests.length;
    const proxy = await startModelProxy({ upstream: upstream.url, apiKey: API_KEY });
    try {
      expect(await modelRequest({ ANTHROPIC_BASE_URL: proxy.url, ANTHROPIC_API_KEY: API_KEY })).toBe(401);
      expect(upstream.requests.length).toBe(before);
      expect(proxy.usage().turns).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it("records the provider's error status and body, and a connection failure", async () => {
    const failing = await startMockAnthropic({
      apiKey: API_KEY,
      script: [{ error: { status: 529, type: "overloaded_error", message: "Overloaded" } }],
    });
    const proxy = await startModelProxy({ upstream: failing.url, apiKey: API_KEY });
    const dead = await startModelProxy({ upstream: "http://127.0.0.1:9", apiKey: API_KEY });
    try {
      expect(await modelRequest({ ANTHROPIC_BASE_URL: proxy.url, ANTHROPIC_API_KEY: proxy.sessionKey })).toBe(529);
      expect(proxy.lastError()).toBe('529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');
      expect(await modelRequest({ ANTHROPIC_BASE_URL: dead.url, ANTHROPIC_API_KEY: dead.sessionKey })).toBe(502);
      expect(dead.lastError()).toMatch(/^Connection error: cannot reach http:\/\/127\.0\.0\.1:9/);
    } finally {
      await Promise.all([proxy.close(), dead.close(), failing.close()]);
    }
  });
});
