import type { AgentVmEvent } from "./vm.js";

function describeInput(input: unknown): string {
  if (!input || typeof input !== "object") return "";
  const i = input as Record<string, unknown>;
  const value = typeof i.path === "string" ? i.path : typeof i.command === "string" ? i.command : "";
  return value.length > 200 ? `${value.slice(0, 199)}…` : value;
}

/**
 * The agent's text from one message chunk, if it is one. agentOS delivers each chunk twice, first as an
 * "ephemeral" entry and then as the "durable" one it records: only the durable one counts. Pure.
 */
export function messageChunkText(event: AgentVmEvent): string | undefined {
  if (event.type !== "agent_message_chunk" || event.durability === "ephemeral") return undefined;
  const content = event.content as { type?: string; text?: unknown } | undefined;
  return content?.type === "text" && typeof content.text === "string" ? content.text : undefined;
}

/**
 * One line of progress for the log from a session event: the agent's text, each tool call once (when it starts
 * running) and failed tool calls. Everything else (pending states, partial output) is noise. Pure.
 */
export function eventText(event: AgentVmEvent): string | undefined {
  const text = messageChunkText(event);
  if (text !== undefined) return text;
  if (event.type === "tool_call" && event.status === "in_progress") {
    return `\n[tool] ${String(event.title ?? "tool")} ${describeInput(event.rawInput)}\n`;
  }
  if (event.type === "tool_call_update" && event.status === "failed") return `\n[tool failed] ${String(event.toolCallId ?? "")}\n`;
  return undefined;
}
