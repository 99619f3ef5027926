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
import { startModelProxy, type ModelProxy } from "./model-proxy.js";
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
  await shareWorkspace(p.workspace);
  await mkdir(p.scratchDir, { recursive: true });
  const tempDir = await mkdtemp(join(p.scratchDir, "fixbot-agentos-"));
  const out = sessionOutput(p, now);
  const budget = budgetStop();
  const proxy = await startModelProxy({
    upstream: p.provider.baseUrl,
    apiKey: p.provider.apiKey,
    budget: p.budget,
    onBudgetExceeded: budget.exceeded,
  });
  let vm: AgentVm | undefined;
  let transcript: Transcript | undefined;
  let sessionId: string | undefined;
  try {
    let elapsed = out.timer();
    vm = await p.launcher.start({
      hostDir: p.workspace,
      mountPath: VM_WORKSPACE,
      loopbackPorts: [proxy.port],
      databasePath: join(tempDir, "vm.sqlite"),
    });
    out.say(`VM started in ${elapsed()}`);
    p.signal?.throwIfAborted();
    const id = randomUUID();
    transcript = await prepareSession(vm, id, p, proxy.url, out);
    await openSession(vm, id, proxy, p.model, out);
    sessionId = id;
    p.signal?.throwIfAborted();
    elapsed = out.timer();
    const remainingMs = Math.max(1, p.timeoutMs - (now() - started));
    const stopped = await promptUntilStopped(vm, id, p.prompt, { timeoutMs: remainingMs, signal: p.signal, budgetStop: budget.stopped });
    const end = endWithBudget(stopped, budget.hit());
    out.say(`prompt ended (${endLabel(end)}) after ${elapsed()}; ${proxy.usage().turns ?? 0} model request(s)`);
    if (end.kind === "aborted") {
      p.signal?.throwIfAborted();
      throw new AgentError("the agent was stopped");
    }
    const outcome = sessionOutcome({ end, providerError: proxy.lastError(), streamedText: transcript.streamed() });
    return { outcome, usage: proxy.usage() };
  } finally {
    transcript?.unsubscribe();
    if (vm) await closeVm(vm, sessionId, out);
    out.flush();
    await proxy.close();
    await rm(tempDir, { recursive: true, force: true });
  }
}

/** A request refused for the budget can end the turn before the stop is seen: the budget is why it ended. Pure. */
export function endWithBudget(end: PromptEnd, budgetHit: BudgetName | undefined): PromptEnd {
  return end.kind === "finished" && budgetHit ? { kind: "budget", name: budgetHit } : end;
}

/** How the output names the way a prompt ended: pi's stop reason, or what stopped it. Pure. */
export function endLabel(end: PromptEnd): string {
  return end.kind === "finished" ? end.stopReason : end.kind;
}

/** Checks the workspace exists and lets the VM's user change it. */
async function shareWorkspace(workspace: string): Promise<void> {
  const isDir = await stat(workspace).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new AgentError(`workspace does not exist: ${workspace}`);
  // The VM runs the agent as uid 1000: it must be able to read and write every file of the mounted workspace.
  await run("chmod", ["-R", "a+rwX", workspace], { timeout: 60_000 });
}

type SessionOutput = ReturnType<typeof sessionOutput>;

/** The session's output: pi's events and fixbot's own lines, redacted and streamed a line at a time. */
function sessionOutput(p: Pick<SessionRunParams, "secrets" | "provider" | "onOutput">, now: () => number) {
  const secrets = [...p.secrets, p.provider.apiKey];
  const out = createLineBuffer((text) => p.onOutput?.(redact(text, secrets)));
  return {
    push: (text: string) => out.push(text),
    say: (text: string) => out.push(`\n[agentos] ${text}\n`),
    /** Starts a stopwatch; calling the result says the time since, e.g. "1.2 s". */
    timer: () => {
      const since = now();
      return () => `${((now() - since) / 1000).toFixed(1)} s`;
    },
    flush: () => out.flush(),
  };
}

/** The model proxy's budget stop, as a promise the prompt races against and as the budget's name. */
function budgetStop() {
  let hit: BudgetName | undefined;
  let resolve: (name: BudgetName) => void = () => undefined;
  const stopped = new Promise<BudgetName>((r) => (resolve = r));
  return {
    stopped,
    hit: () => hit,
    exceeded: (name: BudgetName) => {
      hit = name;
      resolve(name);
    },
  };
}

interface Transcript {
  /** The text of pi's messages so far. */
  streamed(): string;
  unsubscribe(): void;
}

/** Writes pi's model settings, then follows the session's events into the output before it is opened. */
async function prepareSession(
  vm: AgentVm,
  sessionId: string,
  p: Pick<SessionRunParams, "model" | "knownModels">,
  proxyUrl: string,
  out: SessionOutput,
): Promise<Transcript> {
  for (const file of piConfigFiles({ model: p.model, knownModels: p.model ? await p.knownModels() : [], proxyUrl })) {
    await vm.writeFile(file.path, file.content);
  }
  let streamed = "";
  const unsubscribe = vm.onSessionEvent(sessionId, (event) => {
    const chunk = messageChunkText(event);
    if (chunk !== undefined) streamed += chunk;
    const line = eventText(event);
    if (line !== undefined) out.push(line);
  });
  return { streamed: () => streamed, unsubscribe };
}

/** Opens the session and says how long that took. */
async function openSession(
  vm: AgentVm,
  sessionId: string,
  proxy: ModelProxy,
  model: string | undefined,
  out: SessionOutput,
): Promise<void> {
  const elapsed = out.timer();
  // The session's environment is all pi's tools see: the proxy's address and a one-off key, nothing else.
  await vm.openSession({ sessionId, cwd: VM_WORKSPACE, env: { ANTHROPIC_API_KEY: proxy.sessionKey, ANTHROPIC_BASE_URL: proxy.url } });
  out.say(`session opened in ${elapsed()}${model ? ` (model ${model})` : ""}`);
}

/** Closes the session if it was opened, then disposes the VM; a failure is said in the output, not thrown. */
async function closeVm(vm: AgentVm, sessionId: string | undefined, out: SessionOutput): Promise<void> {
  const elapsed = out.timer();
  if (sessionId)
    await vm.closeSession(sessionId).catch((error: unknown) => out.say(`closing the session failed: ${(error as Error).message}`));
  await vm.dispose().catch((error: unknown) => out.say(`disposing the VM failed: ${(error as Error).message}`));
  out.say(`session closed and VM disposed in ${elapsed()}`);
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
