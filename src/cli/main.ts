import { readFile } from "node:fs/promises";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import pino, { type Logger } from "pino";
import { enqueueFixJob } from "../actors/enqueue.js";
import { fixRunKey } from "../actors/keys.js";
import { createAgentFactory } from "../agents/factory.js";
import { agentOsProvider, type AgentOsEnv } from "../config/env.schema.js";
import { startRuntime, type Runtime } from "../runtime/start-runtime.js";
import { createSandbox, SandboxUnavailableError, type Sandbox } from "../sandbox/sandbox.js";
import { readSandboxSettings, SandboxSettingsError } from "../sandbox/settings.js";
import type { RepoRef, RunOutcome, RunRecord } from "../workflow/types.js";
import { agentOsEnvFor, commandDirs, parseFixArgs, parseIssueText, USAGE, UsageError, type FixArgs } from "./args.js";
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

/** The `fixbot` command line: help, the role commands, and `fixbot fix ...`. */
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
  return fix(rest, io);
}

/** `fixbot fix ...`: the same workflow, steps and engine as the GitHub App, ending in a local branch. */
async function fix(rest: string[], io: CliIO): Promise<number> {
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  let request: FixRequest;
  try {
    request = await readFixRequest(rest, io.env);
  } catch (error) {
    if (error instanceof UsageError) return refuse(io, error);
    throw error;
  }
  const { args } = request;

  // RivetKit's native runtime logs to stdout; keep stdout for the result (and --json parseable).
  io.env.RIVET_LOG_LEVEL ??= args.verbose ? "warn" : "silent";
  io.env.RUST_LOG ??= args.verbose ? "warn" : "off";
  const dataDir = io.env.FIXBOT_DATA_DIR ?? join(homedir(), ".fixbot");
  const log = pino({ level: args.verbose ? "debug" : "warn" }, pino.destination(2));
  let sandbox: Sandbox;
  try {
    sandbox = await openSandbox(io, args, dataDir, log);
  } catch (error) {
    if (error instanceof SandboxUnavailableError || error instanceof SandboxSettingsError) return refuse(io, error);
    throw error;
  }
  // Each request runs its own embedded engine (own port and storage, see cli-engine.ts), so it never touches a
  // bot's engine or another run's, and may stop it at the end, also when a killed run left it behind.
  const requestKey = requestKeyFor(request.repo, request.issue, args);
  let engineClaim;
  try {
    engineClaim = await claimCliEngine({ dataDir, requestKey, env: io.env });
  } catch (error) {
    if (!(error instanceof DirLockedError)) throw error;
    return refuse(io, error);
  }
  try {
    return await runOnEngine(io, { ...request, requestKey, dataDir, log, sandbox });
  } finally {
    await engineClaim.release();
  }
}

/** Prints why the command cannot run; exit code 2. */
function refuse(io: CliIO, error: Error): number {
  io.stderr(`fixbot: ${error.message}\n`);
  return 2;
}

/** What a `fixbot fix` command asks for. */
interface FixRequest {
  args: FixArgs;
  agentos: AgentOsEnv | undefined;
  issue: { title: string; body: string };
  repo: RepoRef;
}

/** Reads the command line, the issue file and the repository; a UsageError says what is wrong with them. */
async function readFixRequest(rest: string[], env: NodeJS.ProcessEnv): Promise<FixRequest> {
  const args = parseFixArgs(rest);
  const agentos = agentOsEnvFor(args.config, env);
  const text = await readFile(args.issueFile, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--issue-file ${args.issueFile}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
  });
  const issue = parseIssueText(text);
  const repo = await resolveRepo(args.repo);
  return { args, agentos, issue, repo };
}

/** The run's sandbox, checked to work here (it also sees the repo config's command directories). */
async function openSandbox(io: CliIO, args: FixArgs, dataDir: string, log: Logger): Promise<Sandbox> {
  const settings = readSandboxSettings(io.env);
  const sandbox = createSandbox({ settings: { ...settings, roPaths: [...settings.roPaths, ...commandDirs(args.config)] }, dataDir, log });
  await sandbox.check();
  if (!settings.enabled) io.stderr("fixbot: FIXBOT_SANDBOX=off: the agent and the tests run unsandboxed, as you.\n");
  return sandbox;
}

/** Starts the runtime, runs (or resumes, or reports) the request's run to its outcome, prints it, stops the engine. */
async function runOnEngine(
  io: CliIO,
  p: FixRequest & { requestKey: string; dataDir: string; log: Logger; sandbox: Sandbox },
): Promise<number> {
  const { args, agentos, sandbox, requestKey } = p;
  const printed = new Set<string>();
  const showProgress = (view: RunRecord) => {
    for (const line of progressLines(view, printed)) io.stderr(`${line}\n`);
  };
  let runtime: Runtime | undefined;
  try {
    runtime = await startRuntime({
      dataDir: p.dataDir,
      sandbox,
      createAgent: createAgentFactory({ baseEnv: io.env, sandbox, ...(agentos ? { agentos: agentOsProvider(agentos) } : {}) }),
      secrets: agentos?.ANTHROPIC_API_KEY ? [agentos.ANTHROPIC_API_KEY] : [],
      log: p.log,
      now: Date.now,
      onLocalProgress: (_job, view) => showProgress(view),
    });
    const job = buildLocalJob({ repo: p.repo, issue: p.issue, args, requestKey, now: Date.now(), user: safeUser() });
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
      io.stderr(`Run ${runId}: fixing "${p.issue.title}" in ${p.repo.cloneUrl}\n`);
    }
    const outcome = await waitForOutcome(() => handle.getOutcome(runId));
    io.stdout(args.json ? `${JSON.stringify(outcome)}\n` : `${summaryText(outcome)}\n`);
    return exitCodeFor(outcome);
  } finally {
    await runtime?.stop({ stopEngine: "always" });
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
