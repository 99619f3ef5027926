import { describe, expect, it } from "vitest";
import { eventText } from "../../../src/agents/agentos/event-text.js";
import { createLineBuffer } from "../../../src/agents/agentos/line-buffer.js";
import { agentAnswerHeaders, budgetBeforeRequest, providerRequestHeaders } from "../../../src/agents/agentos/model-proxy.js";
import { providerErrorInText, sessionOutcome } from "../../../src/agents/agentos/outcome.js";
import { piConfigFiles } from "../../../src/agents/agentos/pi-config.js";
import { endLabel, endWithBudget } from "../../../src/agents/agentos/run-session.js";
import { editPrompt, reviewPrompt } from "../../../src/agents/agentos/prompt-text.js";
import { createSseUsageReader } from "../../../src/agents/agentos/sse-usage.js";

describe("sessionOutcome", () => {
  const finished = (text: string, stopReason = "end_turn") => ({ kind: "finished" as const, stopReason, text });

  it("a normal end is a result with the final text", () => {
    expect(sessionOutcome({ end: finished("Fixed add()."), streamedText: "Fixed add()." })).toEqual({
      kind: "result",
      text: "Fixed add().",
      timedOut: false,
    });
  });

  it("the provider error the proxy recorded is an error naming it, even when pi's text looks harmless", () => {
    expect(
      sessionOutcome({ end: finished(""), providerError: '529 {"type":"error","error":{"type":"overloaded_error"}}', streamedText: "" }),
    ).toEqual({
      kind: "error",
      message: 'The model provider returned an error: 529 {"type":"error","error":{"type":"overloaded_error"}}',
    });
  });

  it("pi's error-as-final-text is recognised without the proxy's record", () => {
    expect(
      sessionOutcome({ end: finished('500 {"type":"error","error":{"type":"api_error","message":"boom"}}'), streamedText: "" }).kind,
    ).toBe("error");
    expect(sessionOutcome({ end: finished("Connection error."), streamedText: "" })).toEqual({
      kind: "error",
      message: "The model provider returned an error: Connection error.",
    });
    expect(sessionOutcome({ end: finished("something", "error"), streamedText: "" }).kind).toBe("error");
    // An agent that merely talks about an error is not one.
    expect(providerErrorInText("The 500 errors came from a missing null check; fixed.")).toBeUndefined();
  });

  it("a budget stop and a timeout are results that say so, with what the agent said so far", () => {
    expect(sessionOutcome({ end: { kind: "budget", name: "turns" }, streamedText: " working " })).toEqual({
      kind: "result",
      text: "working",
      timedOut: false,
      stoppedBy: "turns",
    });
    expect(sessionOutcome({ end: { kind: "timeout" }, streamedText: "" })).toEqual({ kind: "result", text: "", timedOut: true });
  });
});

describe("budgetBeforeRequest", () => {
  it("refuses the request that would go past the turn budget, not the last one within it", () => {
    expect(budgetBeforeRequest({ turns: 2 }, { turns: 3 })).toBeUndefined();
    expect(budgetBeforeRequest({ turns: 3 }, { turns: 3 })).toBe("turns");
  });

  it("refuses once the token budget is used up", () => {
    expect(budgetBeforeRequest({ turns: 1, inputTokens: 900, outputTokens: 100 }, { tokens: 1000 })).toBeUndefined();
    expect(budgetBeforeRequest({ turns: 1, inputTokens: 900, outputTokens: 101 }, { tokens: 1000 })).toBe("tokens");
  });
});

describe("endWithBudget and endLabel", () => {
  const finished = { kind: "finished" as const, stopReason: "end_turn", text: "done" };

  it("a turn that ended normally after the proxy refused a request for the budget ended for the budget", () => {
    expect(endWithBudget(finished, "turns")).toEqual({ kind: "budget", name: "turns" });
    expect(endWithBudget(finished, undefined)).toBe(finished);
  });

  it("a timeout or an abort stays what it was, budget or not", () => {
    expect(endWithBudget({ kind: "timeout" }, "tokens")).toEqual({ kind: "timeout" });
    expect(endWithBudget({ kind: "aborted" }, "tokens")).toEqual({ kind: "aborted" });
  });

  it("names pi's stop reason for a finished prompt, otherwise what stopped it", () => {
    expect(endLabel(finished)).toBe("end_turn");
    expect(endLabel({ kind: "budget", name: "cost" })).toBe("budget");
    expect(endLabel({ kind: "timeout" })).toBe("timeout");
  });
});

describe("providerRequestHeaders", () => {
  it("forwards the API headers with the real key, never the agent's key, credentials or this hop's headers", () => {
    const headers = providerRequestHeaders(
      {
        host: "127.0.0.1:4000",
        connection: "keep-alive",
        "content-length": "12",
        "content-type": "application/json",
        "anthropic-version": "2023-06-01",
        "x-api-key": "fixbot-session-abc",
        authorization: "Bearer leaked",
        "accept-encoding": "gzip",
      },
      "sk-ant-real",
    );
    expect(headers).toEqual({ "content-type": "application/json", "anthropic-version": "2023-06-01", "x-api-key": "sk-ant-real" });
  });
});

describe("agentAnswerHeaders", () => {
  it("drops the encoding and length headers fetch has already acted on", () => {
    const headers = agentAnswerHeaders(
      new Headers({ "content-type": "text/event-stream", "content-encoding": "gzip", "content-length": "99", "request-id": "r1" }),
    );
    expect(headers).toEqual({ "content-type": "text/event-stream", "request-id": "r1" });
  });
});

describe("createSseUsageReader", () => {
  it("counts input (with cache) and cumulative output tokens, across chunks cut anywhere", () => {
    const seen: number[] = [];
    const reader = createSseUsageReader((u) => seen.push(u.outputTokens));
    const stream = [
      'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":10,"cache_read_input_tokens":5,"cache_creation_input_tokens":2,"output_tokens":1}}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"hi"}}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":42}}\n\n',
      "data: not json\n\n",
    ].join("");
    for (let i = 0; i < stream.length; i += 7) reader.push(stream.slice(i, i + 7));
    expect(reader.usage()).toEqual({ inputTokens: 17, outputTokens: 42 });
    expect(seen).toEqual([1, 42]);
  });
});

describe("piConfigFiles", () => {
  it("no model: no files, pi keeps its default", () => {
    expect(piConfigFiles({ knownModels: ["claude-haiku-4-5"], proxyUrl: "http://127.0.0.1:1" })).toEqual([]);
  });

  it("a model pi knows: settings.json in the VM home picks it", () => {
    const files = piConfigFiles({ model: "claude-haiku-4-5", knownModels: ["claude-haiku-4-5"], proxyUrl: "http://127.0.0.1:1" });
    expect(files).toHaveLength(1);
    expect(files[0]!.path).toBe("/home/agentos/.pi/agent/settings.json");
    expect(JSON.parse(files[0]!.content)).toEqual({ defaultProvider: "anthropic", defaultModel: "claude-haiku-4-5" });
  });

  it("a model pi does not know is declared in models.json, so pi uses it instead of silently falling back", () => {
    const files = piConfigFiles({ model: "my-gateway-model", knownModels: ["claude-haiku-4-5"], proxyUrl: "http://127.0.0.1:7" });
    expect(files.map((f) => f.path)).toEqual(["/home/agentos/.pi/agent/settings.json", "/home/agentos/.pi/agent/models.json"]);
    expect(JSON.parse(files[1]!.content)).toEqual({
      providers: {
        anthropic: {
          baseUrl: "http://127.0.0.1:7",
          apiKey: "ANTHROPIC_API_KEY",
          api: "anthropic-messages",
          models: [{ id: "my-gateway-model" }],
        },
      },
    });
  });
});

describe("prompts", () => {
  it("an edit prompt carries the task, and on a retry the failing test output", () => {
    expect(editPrompt({ task: "Fix add().", attempt: 1 })).toContain("Fix add().");
    expect(editPrompt({ task: "Fix add().", attempt: 1 })).not.toContain("previous attempt");
    const retry = editPrompt({ task: "Fix add().", attempt: 2, feedback: "not ok 1 - add sums two numbers" });
    expect(retry).toContain("Attempt 2: your previous attempt did not make the tests pass");
    expect(retry).toContain("not ok 1 - add sums two numbers");
  });

  it("a review prompt carries the chained context and the diff", () => {
    const text = reviewPrompt({ context: "Agent summary: fixed add", diff: "+  return a + b;" });
    expect(text).toContain("Agent summary: fixed add");
    expect(text).toContain("```diff\n+  return a + b;\n```");
  });
});

describe("output", () => {
  it("shows each tool call once, when it runs, and the agent's text", () => {
    expect(eventText({ type: "tool_call", status: "pending", title: "edit", rawInput: { path: "a.js" } })).toBeUndefined();
    expect(eventText({ type: "tool_call", status: "in_progress", title: "bash", rawInput: { command: "ls" } })).toBe("\n[tool] bash ls\n");
    expect(eventText({ type: "agent_message_chunk", durability: "durable", content: { type: "text", text: "hello" } })).toBe("hello");
    // agentOS sends each chunk twice (ephemeral, then durable): the text must appear once.
    expect(eventText({ type: "agent_message_chunk", durability: "ephemeral", content: { type: "text", text: "hello" } })).toBeUndefined();
  });

  it("emits whole lines, so a secret split across chunks is redacted whole", () => {
    const out: string[] = [];
    const buffer = createLineBuffer((t) => out.push(t));
    buffer.push("key sk-ant-");
    buffer.push("abc\nrest");
    buffer.flush();
    expect(out).toEqual(["key sk-ant-abc\n", "rest"]);
  });
});
