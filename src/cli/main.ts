import { readFile } from "node:fs/promises";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { enqueueFixJob } from "../actors/enqueue.js";
import { fixRunKey } from "../actors/keys.js";
import { createAgentFactory } from "../agents/factory.js";
import { agentOsProvider, type AgentOsEnv } from "../config/env.schema.js";
import { startRuntime, type Runtime } from "../runtime/start-runtime.js";
import { createSandbox, SandboxUnavailableError } from "../sandbox/sandbox.js";
import { readSandboxSettings, SandboxSettingsError } from "../sandbox/settings.js";
import type { RunOutcome, RunRecord } from "../workflow/types.js";
import { agentOsEnvFor, commandDirs, parseFixArgs, parseIssueText, USAGE, UsageError } from "./args.js";
import { claimCliEngine } from "./cli-engine.js";
import { buildLocalJob, requestKeyFor, resolveRepo } from "./local-job.js";
import { DirLockedError } from "../inbox/dir-lock.js";
import { exitCodeFor, progressLines, summaryText } from "./report.js";
import { isRoleCommand, ROLES_USAGE, runRole } from "./roles.js";
import { runsCommand } from "./runs-command.js";

const POLL_MS = 250;

export interface CliIO {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** `fixbot runs` asks the bot's API with it (tests pass their own). */
  fetch?: typeof fetch;
}

/** `fixbot fix ...`: the same workflow, steps and engine as the GitHub App, ending in a local branch. */
export async function main(io: CliIO): Promise<number> {
  const [command, ...rest] = io.argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    io.stdout(`${USAGE}\n${ROLES_USAGE}\n       fixbot runs    the bot's runs (fixbot runs --help)\n`);
    return command ? 0 : 2;
  }
  if (isRoleCommand(command)) return runRole(command, io);
  if (command === "runs") return runsCommand({ ...io, argv: rest });
  if (command !== "fix") {
    io.stderr(`fixbot: unknown command "${command}" (try: fixbot fix --help)\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  let args, issue, repo;
  let agentos: AgentOsEnv | undefined;
  try {
    args = parseFixArgs(rest);
    agentos = agentOsEnvFor(args.config, io.env);
    const text = await readFile(args.issueFile, "utf8").catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`--issue-file ${args!.issueFile}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
    });
    issue = parseIssueText(text);
    repo = await resolveRepo(args.repo);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`fixbot: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  // RivetKit's native runtime logs to stdout; keep stdout for the result (and --json parseable).
  io.env.RIVET_LOG_LEVEL ??= args.verbose ? "warn" : "silent";
  io.env.RUST_LOG ??= args.verbose ? "warn" : "off";
  const dataDir = io.env.FIXBOT_DATA_DIR ?? join(homedir(), ".fixbot");
  const log = pino({ level: args.verbose ? "debug" : "warn" }, pino.destination(2));
  let sandbox;
  try {
    const settings = readSandboxSettings(io.env);
    sandbox = createSandbox({ settings: { ...settings, roPaths: [...settings.roPaths, ...commandDirs(args.config)] }, dataDir, log });
    await sandbox.check();
    if (!settings.enabled) io.stderr("fixbot: FIXBOT_SANDBOX=off: the agent and the tests run unsandboxed, as you.\n");
  } catch (error) {
    if (error instanceof SandboxUnavailableError || error instanceof SandboxSettingsError) {
      io.stderr(`fixbot: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  // Each request runs its own embedded engine (own port and storage, see cli-engine.ts), so it never touches a
  // bot's engine or another run's, and may stop it at the end, also when a killed run left it behind.
  const requestKey = requestKeyFor(repo, issue, args);
  let engineClaim;
  try {
    engineClaim = await claimCliEngine({ dataDir, requestKey, env: io.env });
  } catch (error) {
    if (!(error instanceof DirLockedError)) throw error;
    io.stderr(`fixbot: ${error.message}\n`);
    return 2;
  }
  const printed = new Set<string>();
  const showProgress = (view: RunRecord) => {
    for (const line of progressLines(view, printed)) io.stderr(`${line}\n`);
  };
  let runtime: Runtime | undefined;
  try {
    runtime = await startRuntime({
      dataDir,
      sandbox,
      createAgent: createAgentFactory({ baseEnv: io.env, sandbox, ...(agentos ? { agentos: agentOsProvider(agentos) } : {}) }),
      secrets: agentos?.ANTHROPIC_API_KEY ? [agentos.ANTHROPIC_API_KEY] : [],
      log,
      now: Date.now,
      onLocalProgress: (_job, view) => showProgress(view),
    });
    const job = buildLocalJob({ repo, issue, args, requestKey, now: Date.now(), user: safeUser() });
    const handle = runtime.client.fixRun.getOrCreate(fixRunKey(job));
    const latest = (await withRetries(() => handle.getRuns())).at(-1);
    let runId: string;
    if (latest && latest.requestKey === requestKey && !args.fresh) {
      // The same command ran before: continue (or report) that recorded run instead of starting over.
      runId = latest.runId;
      io.stderr(
        latest.closed
          ? `Run ${runId} already finished; showing its result (pass --fresh to run again).\n`
          : `Resuming run ${runId} (interrupted before); pass --fresh to start anew.\n`,
      );
    } else {
      runId = job.runId;
      await enqueueFixJob(runtime.client, job);
      io.stderr(`Run ${runId}: fixing "${issue.title}" in ${repo.cloneUrl}\n`);
    }
    const outcome = await waitForOutcome(() => handle.getOutcome(runId));
    io.stdout(args.json ? `${JSON.stringify(outcome)}\n` : `${summaryText(outcome)}\n`);
    return exitCodeFor(outcome);
  } finally {
    await runtime?.stop({ stopEngine: "always" });
    await engineClaim.release();
  }
}

/** How long the engine may keep failing requests (it does, briefly, right after a crash) before we give up. */
const ENGINE_FAILURE_BUDGET_MS = 120_000;

async function waitForOutcome(read: () => Promise<(RunOutcome & { final: boolean }) | null>): Promise<RunOutcome> {
  let failingSince: number | undefined;
  for (;;) {
    try {
      const outcome = await read();
      failingSince = undefined;
      if (outcome?.final) {
        const { final: _final, ...rest } = outcome;
        return rest;
      }
    } catch (error) {
      failingSince ??= Date.now();
      if (Date.now() - failingSince > ENGINE_FAILURE_BUDGET_MS) throw error;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The first request to an actor that was running when its process died can fail while the engine recovers. */
async function withRetries<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (error) {
      if (i >= attempts) throw error;
      await new Promise((r) => setTimeout(r, 1000 * i));
    }
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "local";
  }
}
