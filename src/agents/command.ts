import { mkdir, mkdtemp, realpath, rm, stat, writeFile } from "node:fs/promises";
import { constants } from "node:os";
import { join, relative, isAbsolute } from "node:path";
import { buildAgentEnv } from "../exec/agent-env.js";
import type { ProcessResult } from "../exec/run-process.js";
import type { RepoNetwork } from "../sandbox/egress-policy.js";
import type { Sandbox } from "../sandbox/sandbox.js";
import { AgentError, type Agent, type EditResult, type ReviewResult } from "./types.js";
import { editInvocation, invocationFiles, reviewInvocation, type Invocation } from "./command-invocation.js";
import { watchOutputUsage, type CliOutputFormat } from "./cli-output/output-usage.js";
import type { TokenPrices } from "./cli-output/codex-events.js";
import { watchUsage, type BudgetName, type Usage } from "./usage.js";

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
  return {
    kind: "command",
    async edit(task): Promise<EditResult> {
      const r = await invoke(params, editInvocation(task));
      return {
        summary: tail(r.text ?? r.stdout, SUMMARY_CHARS),
        exitCode: exitStatus(r),
        timedOut: r.timedOut,
        usage: r.usage,
        stoppedBy: r.stoppedBy,
      };
    },
    async review(task): Promise<ReviewResult> {
      const r = await invoke(params, reviewInvocation(task));
      return { body: (r.text ?? r.stdout).trim(), exitCode: exitStatus(r), timedOut: r.timedOut, ...(r.usage ? { usage: r.usage } : {}) };
    },
  };
}

/** Runs the command once for an edit or a review, with its files in a temp directory that is removed afterwards. */
async function invoke(params: CommandAgentParams, inv: Invocation): Promise<InvocationResult> {
  inv.signal?.throwIfAborted();
  await checkDirs(inv.workspace, params.scratchDir);
  const dir = await mkdtemp(join(params.scratchDir, "fixbot-agent-"));
  try {
    const seen = params.sandbox.paths({ workspace: inv.workspace, files: dir });
    const { files, env: extra } = invocationFiles(inv, seen);
    for (const file of files) await writeFile(join(dir, file.name), file.content);
    const usage = watchInvocationUsage(params, inv, dir);
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
      signal: usage.signal,
      maxOutputBytes: params.maxOutputBytes,
      secrets: params.secrets,
      onOutput: params.onOutput,
      ...(usage.onStdout ? { onStdout: usage.onStdout } : {}),
      groupFile: params.groupFile,
    });
    const read = await usage.finish();
    if (processResult.aborted) inv.signal?.throwIfAborted();
    return { ...processResult, ...read };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The workspace must exist, and the scratch directory (created here) must not be inside it. */
async function checkDirs(workspace: string, scratchDir: string): Promise<void> {
  const isDir = await stat(workspace).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new AgentError(`workspace does not exist: ${workspace}`);
  await mkdir(scratchDir, { recursive: true });
  if (isInside(await realpath(workspace), await realpath(scratchDir))) {
    throw new AgentError(`scratch directory ${scratchDir} must not be inside the workspace`);
  }
}

/**
 * Watches an invocation's usage: the usage file the command may write and, for the presets, the CLI's own output.
 * `signal` aborts on the caller's cancel or when a budget is used up; `finish` stops watching and says what was used.
 */
function watchInvocationUsage(params: CommandAgentParams, inv: Invocation, dir: string) {
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
  return {
    signal: inv.signal ? AbortSignal.any([inv.signal, overBudget.signal]) : overBudget.signal,
    onStdout: fromOutput?.onStdout,
    async finish(): Promise<Pick<InvocationResult, "usage" | "stoppedBy" | "text">> {
      const fileUsage = await stopWatching();
      const read = (await fromOutput?.finish()) ?? {};
      return { usage: read.usage ?? fileUsage, stoppedBy, ...(read.text !== undefined ? { text: read.text } : {}) };
    },
  };
}
