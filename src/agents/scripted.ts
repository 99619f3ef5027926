import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { buildAgentEnv } from "../exec/agent-env.js";
import { runProcess } from "../exec/run-process.js";
import { AgentError, type Agent, type EditResult, type ReviewResult } from "./types.js";

/** One change to the workspace: write a whole file, replace the first occurrence of a text, or apply a diff. */
export type ScriptedEdit =
  | { path: string; content: string }
  | { path: string; search: string; replace: string }
  | { patch: string };

export interface ScriptedAttempt {
  summary?: string;
  edits: ScriptedEdit[];
}

export interface ScriptedAgentParams {
  /** attempts[n-1] is played on attempt n; later attempts change nothing. */
  attempts: ScriptedAttempt[];
  review?: string | ((diff: string) => string);
  /** Simulated thinking time before each edit/review; abortable, and longer than the task timeout means timedOut. */
  delayMs?: number;
}

/** Exit status reported when the simulated delay outlasts the task timeout (the timeout(1) convention). */
const TIMEOUT_EXIT = 124;
const PATCH_TIMEOUT_MS = 30_000;

/** Sleeps, rejecting with the signal's reason on abort, like AbortSignal.throwIfAborted(). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolveSleep, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolveSleep();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Waits out the simulated delay; returns true when it ran into the task timeout instead. */
async function simulateWork(delayMs: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  signal?.throwIfAborted();
  if (delayMs <= 0) return false;
  await sleep(Math.min(delayMs, timeoutMs), signal);
  return delayMs >= timeoutMs;
}

function workspacePath(workspace: string, path: string): string {
  const full = resolve(workspace, path);
  const rel = relative(workspace, full);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) throw new AgentError(`scripted edit path escapes the workspace: ${path}`);
  return full;
}

async function applyEdit(workspace: string, edit: ScriptedEdit, signal?: AbortSignal): Promise<void> {
  if ("patch" in edit) {
    const patch = edit.patch.endsWith("\n") ? edit.patch : `${edit.patch}\n`;
    const r = await runProcess({
      command: "git apply --whitespace=nowarn -",
      cwd: workspace,
      env: buildAgentEnv({}),
      stdin: patch,
      timeoutMs: PATCH_TIMEOUT_MS,
      signal,
    });
    signal?.throwIfAborted();
    if (r.exitCode !== 0) throw new AgentError(`scripted patch does not apply: ${r.output.trim()}`);
    return;
  }
  const file = workspacePath(workspace, edit.path);
  if ("content" in edit) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, edit.content);
    return;
  }
  const text = await readFile(file, "utf8").catch(() => {
    throw new AgentError(`scripted edit: cannot read ${edit.path}`);
  });
  if (!text.includes(edit.search)) throw new AgentError(`scripted edit: search text not found in ${edit.path}`);
  await writeFile(file, text.replace(edit.search, () => edit.replace));
}

function countDiffFiles(diff: string): number {
  const gitHeaders = diff.match(/^diff --git /gm)?.length ?? 0;
  return gitHeaders > 0 ? gitHeaders : (diff.match(/^\+\+\+ /gm)?.length ?? 0);
}

/**
 * A deterministic agent that plays back pre-written edits, for tests and demos: it exercises the whole
 * fix/test/retry/review pipeline without a model. Attempt n plays attempts[n-1]; a bad search or patch throws
 * AgentError, as a broken real agent would. Honours the abort signal and can simulate slow or timing-out agents.
 */
export function createScriptedAgent(params: ScriptedAgentParams): Agent {
  const delayMs = params.delayMs ?? 0;
  return {
    kind: "scripted",
    async edit(task): Promise<EditResult> {
      if (await simulateWork(delayMs, task.timeoutMs, task.signal)) {
        return { summary: `Scripted attempt ${task.attempt} timed out.`, exitCode: TIMEOUT_EXIT, timedOut: true };
      }
      const attempt = params.attempts[task.attempt - 1];
      if (!attempt) return { summary: `Scripted attempt ${task.attempt}: no change.`, exitCode: 0, timedOut: false };
      for (const edit of attempt.edits) {
        task.signal?.throwIfAborted();
        await applyEdit(task.workspace, edit, task.signal);
      }
      const summary = attempt.summary ?? `Scripted attempt ${task.attempt}: ${attempt.edits.length} edit(s) applied.`;
      return { summary, exitCode: 0, timedOut: false };
    },
    async review(task): Promise<ReviewResult> {
      if (await simulateWork(delayMs, task.timeoutMs, task.signal)) {
        return { body: "", exitCode: TIMEOUT_EXIT, timedOut: true };
      }
      const { review } = params;
      const body =
        typeof review === "function"
          ? review(task.diff)
          : (review ?? `Scripted review: ${countDiffFiles(task.diff)} file(s) changed.`);
      return { body, exitCode: 0, timedOut: false };
    },
  };
}
