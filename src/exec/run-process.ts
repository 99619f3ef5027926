import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { stat } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { redact } from "../util/redact.js";
import { forgetGroup, GUARD_VAR, killLeftoverGroup, newGuard, recordGroup } from "./leftover-group.js";
import { TailBuffer } from "../util/tail-buffer.js";

export interface RunProcessOptions {
  /** Run with `/bin/sh -c`, unless `argv` is given. */
  command: string;
  /** The program and its arguments to run instead of `/bin/sh -c command` (the sandbox's launcher). */
  argv?: readonly [string, ...string[]];
  cwd: string;
  /** The COMPLETE environment: nothing is inherited from process.env. */
  env: Record<string, string>;
  stdin?: string;
  timeoutMs: number;
  /** Abort kills the process like a timeout does; the result then has `aborted: true`. */
  signal?: AbortSignal;
  /** Default 64 KiB; the TAIL is kept. */
  maxOutputBytes?: number;
  /** Redacted from everything returned and passed to onOutput. */
  secrets?: readonly string[];
  /** Streamed (redacted) combined output, for logs. Delivered a line at a time. */
  onOutput?: (chunk: string) => void;
  /** Streamed (redacted) stdout alone, for reading an agent CLI's machine-readable output while it runs. */
  onStdout?: (chunk: string) => void;
  /** SIGTERM goes to the process group first, SIGKILL after this many ms (default 2000). */
  killGraceMs?: number;
  /**
   * Records the process group here while it runs, so a restarted fixbot can kill what a crash left behind
   * (see leftover-group.ts). A group recorded in this file by an earlier, crashed run is killed first.
   */
  groupFile?: string;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  aborted: boolean;
  /** Combined stdout+stderr tail, redacted. */
  output: string;
  /** Stdout tail, redacted. */
  stdout: string;
  truncated: boolean;
  durationMs: number;
}

const DEFAULT_MAX_OUTPUT = 64 * 1024;
/** A partial line is held back (so a secret split across chunks is still redacted) up to this size. */
const MAX_PENDING_LINE = 8 * 1024;
/** An open private-key block is held back until its END line, up to this size. */
const MAX_PENDING_KEY = 64 * 1024;
/** setTimeout overflows above this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Turns raw chunks of one stream into redacted text. Text is released only up to the last line break, and an
 * unterminated private-key block is held back, so a secret split across chunk boundaries is still recognised.
 */
class RedactingStream {
  private readonly decoder = new StringDecoder("utf8");
  private pending = "";

  constructor(private readonly secrets: readonly string[]) {}

  push(chunk: Buffer): string {
    this.pending += this.decoder.write(chunk);
    let cut = Math.max(this.pending.lastIndexOf("\n"), this.pending.lastIndexOf("\r")) + 1;
    const keyStart = this.pending.search(/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/);
    if (keyStart >= 0 && !/-----END [A-Z0-9 ]*PRIVATE KEY-----/.test(this.pending.slice(keyStart))) {
      cut = this.pending.length > MAX_PENDING_KEY ? this.pending.length : Math.min(cut, keyStart);
    } else if (this.pending.length - cut > MAX_PENDING_LINE) {
      cut = this.pending.length;
    }
    const ready = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut);
    return ready ? redact(ready, this.secrets) : "";
  }

  flush(): string {
    const rest = this.pending + this.decoder.end();
    this.pending = "";
    return rest ? redact(rest, this.secrets) : "";
  }
}

function failedToStart(message: string, start: number): ProcessResult {
  return {
    exitCode: 127,
    signal: null,
    timedOut: false,
    aborted: false,
    output: message,
    stdout: "",
    truncated: false,
    durationMs: performance.now() - start,
  };
}

/** The delay setTimeout is given for a timeout: never negative, and capped where setTimeout would overflow (pure). */
export function timerDelay(timeoutMs: number): number {
  return Math.min(Math.max(timeoutMs, 0), MAX_TIMER_MS);
}

/** The command's bounded output: the tails of combined output and of stdout, streamed on to the caller's callbacks. */
class OutputTails {
  private readonly combined: TailBuffer;
  private readonly stdout: TailBuffer;

  constructor(
    maxBytes: number,
    private readonly listeners: Pick<RunProcessOptions, "onOutput" | "onStdout">,
  ) {
    this.combined = new TailBuffer(maxBytes);
    this.stdout = new TailBuffer(maxBytes);
  }

  /** Takes text already redacted by a RedactingStream. */
  emit(text: string, isStdout: boolean): void {
    if (!text) return;
    this.combined.append(text);
    if (isStdout) this.stdout.append(text);
    if (isStdout) this.listeners.onStdout?.(text);
    this.listeners.onOutput?.(text);
  }

  result(secrets: readonly string[]): Pick<ProcessResult, "output" | "stdout" | "truncated"> {
    return {
      output: redact(this.combined.toString(), secrets),
      stdout: redact(this.stdout.toString(), secrets),
      truncated: this.combined.truncated || this.stdout.truncated,
    };
  }
}

/** The process group a command leads: signalled as a whole, so grandchildren go with it. */
class ProcessGroup {
  private stopping = false;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pid: number | undefined,
    private readonly graceMs: number,
  ) {}

  kill(sig: NodeJS.Signals): void {
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, sig);
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  /** SIGTERM now, SIGKILL after the grace period; only the first call counts. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.kill("SIGTERM");
    this.graceTimer = setTimeout(() => this.kill("SIGKILL"), this.graceMs);
  }

  dispose(): void {
    clearTimeout(this.graceTimer);
  }
}

/** Why the command cannot start at all (cancelled already, no working directory), checked before spawning it. */
async function refusedBeforeStart(opts: RunProcessOptions, start: number): Promise<ProcessResult | undefined> {
  if (opts.signal?.aborted) {
    return { ...failedToStart("cancelled before start", start), exitCode: null, aborted: true };
  }
  const isDir = await stat(opts.cwd).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) return failedToStart(`failed to start command: working directory does not exist: ${opts.cwd}`, start);
  return undefined;
}

/**
 * Runs one shell command with a hard timeout, cancellation, bounded and redacted output. The command leads its own
 * process group and the whole group is killed on timeout/abort, because agents and test runners spawn grandchildren
 * (npm -> node, `sleep &`) that would otherwise outlive the step. Anything left in the group once the command has
 * exited is killed too. Never rejects: failures are described by the result.
 */
export async function runProcess(opts: RunProcessOptions): Promise<ProcessResult> {
  const start = performance.now();
  const refused = await refusedBeforeStart(opts, start);
  if (refused) return refused;
  const output = new OutputTails(opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT, opts);

  const guard = newGuard();
  if (opts.groupFile) await killLeftoverGroup(opts.groupFile);
  const env = opts.groupFile ? { ...opts.env, [GUARD_VAR]: guard } : opts.env;

  return new Promise<ProcessResult>((resolve) => {
    const [file, ...args] = opts.argv ?? ["/bin/sh", "-c", opts.command];
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    if (opts.groupFile && child.pid !== undefined) recordGroup(opts.groupFile, { pid: child.pid, guard });
    supervise(child, opts, output, start, resolve);
  });
}

/**
 * Watches a spawned command until it closes: the timeout and the abort signal stop its group, its output is
 * collected, and the result is resolved exactly once.
 */
function supervise(
  child: ChildProcessWithoutNullStreams,
  opts: RunProcessOptions,
  output: OutputTails,
  start: number,
  resolve: (result: ProcessResult) => void,
): void {
  const secrets = opts.secrets ?? [];
  const pid = child.pid;
  const group = new ProcessGroup(pid, opts.killGraceMs ?? 2000);
  let timedOut = false;
  let aborted = false;
  let settled = false;
  const onAbort = (): void => {
    aborted = true;
    group.stop();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    group.stop();
  }, timerDelay(opts.timeoutMs));
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  const out = new RedactingStream(secrets);
  const err = new RedactingStream(secrets);
  child.stdout.on("data", (chunk: Buffer) => output.emit(out.push(chunk), true));
  child.stderr.on("data", (chunk: Buffer) => output.emit(err.push(chunk), false));
  child.stdin.on("error", () => {
    // EPIPE: the command exited without reading its input; its exit status tells the story.
  });
  child.stdin.end(opts.stdin ?? "");

  const finish = (result: Omit<ProcessResult, "durationMs">): void => {
    if (settled) return;
    settled = true;
    if (opts.groupFile) void forgetGroup(opts.groupFile);
    clearTimeout(timer);
    group.dispose();
    opts.signal?.removeEventListener("abort", onAbort);
    resolve({ ...result, durationMs: performance.now() - start });
  };

  child.on("error", (e) => {
    if (pid !== undefined) return; // errors after a successful spawn are followed by "close"
    finish(failedToStart(`failed to start command: ${e.message}`, start));
  });
  child.on("close", (code, sig) => {
    // Nothing may outlive the command: background jobs that kept no pipe open are still in the group.
    group.kill("SIGKILL");
    output.emit(out.flush(), true);
    output.emit(err.flush(), false);
    finish({ exitCode: code, signal: sig, timedOut, aborted, ...output.result(secrets) });
  });
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${s < 10 ? Number(s.toFixed(1)) : Math.round(s)}s`;
}

/**
 * One-line description of how a process ended, for logs and comments. Pass the configured timeout to report it
 * rather than the measured duration (which includes the kill grace period).
 */
export function describeExit(r: ProcessResult, timeoutMs?: number): string {
  if (r.aborted) return "cancelled";
  if (r.timedOut) return `timed out after ${formatSeconds(timeoutMs ?? r.durationMs)}`;
  if (r.signal) return `killed by ${r.signal}`;
  return `exit ${r.exitCode ?? "unknown"}`;
}
