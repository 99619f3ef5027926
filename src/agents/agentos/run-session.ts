import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { redact } from "../../util/redact.js";
import { AgentError } from "../types.js";
import type { BudgetName, Usage, UsageBudget } from "../usage.js";
import { eventText, messageChunkText } from "./event-text.js";
import { createLineBuffer } from "./line-buffer.js";
import { startModelProxy } from "./model-proxy.js";
import { sessionOutcome, type PromptEnd, type SessionOutcome } from "./outcome.js";
import { piConfigFiles } from "./pi-config.js";
import type { AgentVm, AgentVmLauncher } from "./vm.js";

const run = promisify(execFile);

/** Where the workspace appears inside the VM (pi's cwd). */
export const VM_WORKSPACE = "/workspace";
/** How long a cancelled prompt may take to settle before the VM is disposed anyway (cancel took ~0.2 s here). */
const CANCEL_GRACE_MS = 15_000;

export interface SessionRunParams {
  launcher: AgentVmLauncher;
  workspace: string;
  /** Parent of the per-call temp directory (the VM's session database); never inside the workspace. */
  scratchDir: string;
  prompt: string;
  provider: { apiKey: string; baseUrl: string };
  model?: string;
  knownModels: () => Promise<readonly string[]>;
  budget?: UsageBudget;
  timeoutMs: number;
  signal?: AbortSignal;
  secrets: readonly string[];
  onOutput?: (text: string) => void;
  now?: () => number;
}

export interface SessionRunResult {
  outcome: SessionOutcome;
  usage: Usage;
}

/**
 * One agent session in one fresh VM, opened and closed inside this call: start the model proxy, start the VM with
 * the workspace mounted read-write, write pi's model settings, open the session, prompt it until it finishes or
 * is stopped (timeout, abort, budget: the prompt is cancelled first), then close the session, dispose the VM and
 * stop the proxy, whatever happened.
 */
export async function runAgentSession(p: SessionRunParams): Promise<SessionRunResult> {
  p.signal?.throwIfAborted();
  const now = p.now ?? Date.now;
  const started = now();
  const isDir = await stat(p.workspace).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new AgentError(`workspace does not exist: ${p.workspace}`);
  // The VM runs the agent as uid 1000: it must be able to read and write every file of the mounted workspace.
  await run("chmod", ["-R", "a+rwX", p.workspace], { timeout: 60_000 });
  await mkdir(p.scratchDir, { recursive: true });
  const tempDir = await mkdtemp(join(p.scratchDir, "fixbot-agentos-"));

  const secrets = [...p.secrets, p.provider.apiKey];
  const out = createLineBuffer((text) => p.onOutput?.(redact(text, secrets)));
  const say = (text: string) => out.push(`\n[agentos] ${text}\n`);
  const seconds = (since: number) => `${((now() - since) / 1000).toFixed(1)} s`;

  let budgetHit: BudgetName | undefined;
  let onBudget: (name: BudgetName) => void = () => undefined;
  const budgetStop = new Promise<BudgetName>((resolve) => (onBudget = resolve));
  const proxy = await startModelProxy({
    upstream: p.provider.baseUrl,
    apiKey: p.provider.apiKey,
    budget: p.budget,
    onBudgetExceeded: (name) => {
      budgetHit = name;
      onBudget(name);
    },
  });
  let vm: AgentVm | undefined;
  let sessionId: string | undefined;
  let unsubscribe: (() => void) | undefined;
  let streamed = "";
  try {
    let t = now();
    vm = await p.launcher.start({
      hostDir: p.workspace,
      mountPath: VM_WORKSPACE,
      loopbackPorts: [proxy.port],
      databasePath: join(tempDir, "vm.sqlite"),
    });
    say(`VM started in ${seconds(t)}`);
    p.signal?.throwIfAborted();
    for (const file of piConfigFiles({ model: p.model, knownModels: p.model ? await p.knownModels() : [], proxyUrl: proxy.url })) {
      await vm.writeFile(file.path, file.content);
    }
    const id = randomUUID();
    unsubscribe = vm.onSessionEvent(id, (event) => {
      const chunk = messageChunkText(event);
      if (chunk !== undefined) streamed += chunk;
      const line = eventText(event);
      if (line !== undefined) out.push(line);
    });
    t = now();
    // The session's environment is all pi's tools see: the proxy's address and a one-off key, nothing else.
    await vm.openSession({ sessionId: id, cwd: VM_WORKSPACE, env: { ANTHROPIC_API_KEY: proxy.sessionKey, ANTHROPIC_BASE_URL: proxy.url } });
    sessionId = id;
    say(`session opened in ${seconds(t)}${p.model ? ` (model ${p.model})` : ""}`);
    p.signal?.throwIfAborted();
    t = now();
    const remainingMs = Math.max(1, p.timeoutMs - (now() - started));
    let end = await promptUntilStopped(vm, id, p.prompt, { timeoutMs: remainingMs, signal: p.signal, budgetStop });
    // A request refused for the budget can end the turn before the stop is seen: the budget is why it ended.
    if (end.kind === "finished" && budgetHit) end = { kind: "budget", name: budgetHit };
    say(
      `prompt ended (${end.kind === "finished" ? end.stopReason : end.kind}) after ${seconds(t)}; ${proxy.usage().turns ?? 0} model request(s)`,
    );
    if (end.kind === "aborted") {
      p.signal?.throwIfAborted();
      throw new AgentError("the agent was stopped");
    }
    return { outcome: sessionOutcome({ end, providerError: proxy.lastError(), streamedText: streamed }), usage: proxy.usage() };
  } finally {
    unsubscribe?.();
    if (vm) {
      const t = now();
      if (sessionId)
        await vm.closeSession(sessionId).catch((error: unknown) => say(`closing the session failed: ${(error as Error).message}`));
      await vm.dispose().catch((error: unknown) => say(`disposing the VM failed: ${(error as Error).message}`));
      say(`session closed and VM disposed in ${seconds(t)}`);
    }
    out.flush();
    await proxy.close();
    await rm(tempDir, { recursive: true, force: true });
  }
}

/** Prompts and waits for the first of: the prompt's end, the timeout, the abort signal, a budget stop. Stops cancel the prompt. */
async function promptUntilStopped(
  vm: AgentVm,
  sessionId: string,
  text: string,
  p: { timeoutMs: number; signal?: AbortSignal; budgetStop: Promise<BudgetName> },
): Promise<PromptEnd> {
  const prompt = vm.prompt(sessionId, text).then((r): PromptEnd => ({ kind: "finished", stopReason: r.stopReason, text: r.text }));
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<PromptEnd>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "timeout" }), p.timeoutMs);
    onAbort = () => resolve({ kind: "aborted" });
    p.signal?.addEventListener("abort", onAbort, { once: true });
    void p.budgetStop.then((name) => resolve({ kind: "budget", name }));
  });
  try {
    let first: PromptEnd;
    try {
      first = await Promise.race([prompt, stopped]);
    } catch (error) {
      throw new AgentError(`The agentOS session failed: ${(error as Error).message.split("\n")[0]}`);
    }
    if (first.kind === "finished") return first;
    // Cancel first, then dispose: disposing a VM in the middle of a prompt hangs for ~30 s.
    await vm.cancelPrompt(sessionId).catch(() => undefined);
    await Promise.race([prompt.catch(() => undefined), new Promise((r) => setTimeout(r, CANCEL_GRACE_MS).unref())]);
    return first;
  } finally {
    clearTimeout(timer);
    if (onAbort) p.signal?.removeEventListener("abort", onAbort);
  }
}
