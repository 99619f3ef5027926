import { mkdir, mkdtemp, realpath, rm, stat, writeFile } from "node:fs/promises";
import { constants } from "node:os";
import { join, relative, isAbsolute } from "node:path";
import { buildAgentEnv } from "../exec/agent-env.js";
import type { ProcessResult } from "../exec/run-process.js";
import type { RepoNetwork } from "../sandbox/egress-policy.js";
import type { Sandbox } from "../sandbox/sandbox.js";
import { AgentError, type Agent, type EditResult, type ReviewResult } from "./types.js";
import { watchOutputUsage, type CliOutputFormat } from "./cli-output/output-usage.js";
import type { TokenPrices } from "./cli-output/codex-events.js";
import { watchUsage, type BudgetName, type Usage, type UsageBudget } from "./usage.js";

export interface CommandAgentParams {
  /** Shell command run with `/bin/sh -c` in the workspace, for both edit() and review(). */
  command: string;
  /** Environment the allowlist is read from; defaults to process.env. */
  baseEnv?: NodeJS.ProcessEnv;
  /** Extra variable names the agent needs (its API key). GitHub/bot secrets are refused regardless. */
  passEnv?: readonly string[];
  /** Redacted from the summary, the review and streamed output. */
  secrets?: readonly string[];
  /** Where per-run temp directories for the task/feedback/diff files are created; never inside the workspace. */
  scratchDir: string;
  maxOutputBytes?: number;
  onOutput?: (chunk: string) => void;
  /** Records the agent's process group (see exec/leftover-group.ts). */
  groupFile?: string;
  /** Where the command runs (see src/sandbox): it sees the workspace at /workspace and its files at /run/fixbot. */
  sandbox: Sandbox;
  /** The workspace's identity (one sandbox uid per run). */
  sandboxKey: string;
  /** The repository's narrowing of the sandbox's network. */
  network?: RepoNetwork;
  /** The command prints this machine-readable output (the presets): usage and the final text are read from it. */
  output?: CliOutputFormat;
  /** Prices for computing the cost of a CLI that prints tokens only (Codex). */
  codexPrices?: TokenPrices;
}

/** How much of the end of stdout becomes the edit summary. */
const SUMMARY_CHARS = 2000;

interface Invocation {
  mode: "edit" | "review";
  workspace: string;
  /** Text on stdin and in FIXBOT_TASK_FILE. */
  input: string;
  /** One self-contained prompt for CLI agents (FIXBOT_PROMPT_FILE): the input plus feedback or diff. */
  prompt: string;
  /** Further files to write, by env var name. */
  files: Record<string, { name: string; content: string }>;
  extraEnv: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  budget?: UsageBudget;
}

interface InvocationResult extends ProcessResult {
  usage?: Usage;
  stoppedBy?: BudgetName;
  /** The CLI's final words, read from its machine-readable output. */
  text?: string;
}

function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** A numeric exit status for the Agent interface: the shell convention 128+n for a signal death. */
function exitStatus(r: ProcessResult): number {
  if (r.exitCode !== null) return r.exitCode;
  const signo = r.signal ? constants.signals[r.signal as NodeJS.Signals] : undefined;
  return signo !== undefined ? 128 + signo : 1;
}

function tail(text: string, chars: number): string {
  const trimmed = text.trim();
  return trimmed.length <= chars
    ? trimmed
    : trimmed
        .slice(-chars)
        .replace(/^[\uDC00-\uDFFF]/, "")
        .trimStart();
}

/**
 * Agent backend that runs a configured CLI (claude, codex, aider, a script). The contract, documented in the README:
 * cwd is the workspace (in the sandbox: /workspace, its files under /run/fixbot); FIXBOT_MODE is "edit" or "review"; the task (or review context) is on stdin and in
 * FIXBOT_TASK_FILE; FIXBOT_WORKSPACE is the workspace; edit gets FIXBOT_ATTEMPT and, on retries only,
 * FIXBOT_FEEDBACK_FILE; review gets FIXBOT_DIFF_FILE. The files live in a temp directory under scratchDir, outside the workspace so they are never
 * committed, and are removed afterwards. The environment is an allowlist without any GitHub credential. A non-zero
 * exit or a timeout is reported, not thrown; cancellation through the signal throws its reason.
 */
export function createCommandAgent(params: CommandAgentParams): Agent {
  async function invoke(inv: Invocation): Promise<InvocationResult> {
    inv.signal?.throwIfAborted();
    const isDir = await stat(inv.workspace).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) throw new AgentError(`workspace does not exist: ${inv.workspace}`);
    await mkdir(params.scratchDir, { recursive: true });
    if (isInside(await realpath(inv.workspace), await realpath(params.scratchDir))) {
      throw new AgentError(`scratch directory ${params.scratchDir} must not be inside the workspace`);
    }
    const dir = await mkdtemp(join(params.scratchDir, "fixbot-agent-"));
    try {
      const seen = params.sandbox.paths({ workspace: inv.workspace, files: dir });
      await writeFile(join(dir, "task.md"), inv.input);
      await writeFile(join(dir, "prompt.md"), inv.prompt);
      const extra: Record<string, string> = {
        ...inv.extraEnv,
        FIXBOT_MODE: inv.mode,
        FIXBOT_TASK_FILE: join(seen.files, "task.md"),
        FIXBOT_WORKSPACE: seen.workspace,
        FIXBOT_USAGE_FILE: join(seen.files, "usage.json"),
        FIXBOT_PROMPT_FILE: join(seen.files, "prompt.md"),
      };
      for (const [name, file] of Object.entries(inv.files)) {
        await writeFile(join(dir, file.name), file.content);
        extra[name] = join(seen.files, file.name);
      }
      // A budget used up stops the agent like a cancel does, but is reported as a result, not thrown.
      const overBudget = new AbortController();
      let stoppedBy: BudgetName | undefined;
      const onExceeded = (name: BudgetName) => {
        stoppedBy ??= name;
        overBudget.abort();
      };
      const stopWatching = watchUsage({ file: join(dir, "usage.json"), budget: inv.budget ?? {}, onExceeded });
      const fromOutput = params.output
        ? watchOutputUsage({
            format: params.output,
            budget: inv.budget ?? {},
            codexPrices: params.codexPrices,
            codexSessionsDir: join(dir, "codex", "sessions"),
            onExceeded,
          })
        : undefined;
      const signal = inv.signal ? AbortSignal.any([inv.signal, overBudget.signal]) : overBudget.signal;
      const processResult = await params.sandbox.run({
        role: "agent",
        command: params.command,
        workspace: inv.workspace,
        files: dir,
        key: params.sandboxKey,
        ...(params.network ? { network: params.network } : {}),
        env: buildAgentEnv({ base: params.baseEnv, passEnv: params.passEnv, extra }),
        stdin: inv.input,
        timeoutMs: inv.timeoutMs,
        signal,
        maxOutputBytes: params.maxOutputBytes,
        secrets: params.secrets,
        onOutput: params.onOutput,
        ...(fromOutput ? { onStdout: fromOutput.onStdout } : {}),
        groupFile: params.groupFile,
      });
      const fileUsage = await stopWatching();
      const read = (await fromOutput?.finish()) ?? {};
      if (processResult.aborted) inv.signal?.throwIfAborted();
      return { ...processResult, usage: read.usage ?? fileUsage, stoppedBy, ...(read.text !== undefined ? { text: read.text } : {}) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  return {
    kind: "command",
    async edit(task): Promise<EditResult> {
      const r = await invoke({
        mode: "edit",
        workspace: task.workspace,
        input: task.task,
        prompt:
          task.feedback === undefined
            ? task.task
            : `${task.task}\n\n## Your previous attempt did not make the tests pass\n\n${task.feedback}`,
        files: task.feedback === undefined ? {} : { FIXBOT_FEEDBACK_FILE: { name: "feedback.txt", content: task.feedback } },
        extraEnv: { FIXBOT_ATTEMPT: String(task.attempt) },
        timeoutMs: task.timeoutMs,
        signal: task.signal,
        budget: task.budget,
      });
      return {
        summary: tail(r.text ?? r.stdout, SUMMARY_CHARS),
        exitCode: exitStatus(r),
        timedOut: r.timedOut,
        usage: r.usage,
        stoppedBy: r.stoppedBy,
      };
    },
    async review(task): Promise<ReviewResult> {
      const r = await invoke({
        mode: "review",
        workspace: task.workspace,
        input: task.context,
        prompt: `${task.context}\n\n## The diff\n\n\`\`\`diff\n${task.diff}\n\`\`\``,
        files: { FIXBOT_DIFF_FILE: { name: "diff.patch", content: task.diff } },
        extraEnv: {},
        timeoutMs: task.timeoutMs,
        signal: task.signal,
      });
      return { body: (r.text ?? r.stdout).trim(), exitCode: exitStatus(r), timedOut: r.timedOut };
    },
  };
}
