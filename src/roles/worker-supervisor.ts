import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { setPriority } from "node:os";
import type { Logger } from "pino";
import type { MetricsJson } from "../metrics/combined.js";
import { nextCrashCount, restartDelayMs } from "./restart-policy.js";

/** The message a supervised worker sends once its registry is registered with the engine. */
export const WORKER_READY = "fixbot:worker-ready";
/** Asks the worker for its metrics; it answers `{ type: METRICS_REPLY, id, metrics }`. */
export const METRICS_REQUEST = "fixbot:metrics-request";
export const METRICS_REPLY = "fixbot:metrics-reply";
const METRICS_WAIT_MS = 5_000;

export interface SupervisedWorker {
  /** Resolves once the first worker is ready; rejects if it exits before (its own error is in the log). */
  ready: Promise<void>;
  /** True while a worker process is running and ready. */
  up(): boolean;
  /** The running worker's pid, if any. */
  pid(): number | undefined;
  /** The worker's metrics (prom-client JSON); none while it is down or does not answer within 5 s. */
  metrics(): Promise<MetricsJson[]>;
  /** SIGTERM to the worker (it stops its registry), SIGKILL after `timeoutMs`; no restart after this. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Runs the worker role (`entry` with FIXBOT_ROLE=work) as a child process: the workflows get their own event
 * loop, off the webhook intake's. A worker that dies is started again (at once, then with a growing delay while
 * it keeps dying young). No worker outlives its supervisor: it is started through util-linux's
 * `setpriv --pdeathsig KILL` where there is one, so a supervisor killed with SIGKILL takes its worker with it at
 * that instant, as one process would; without setpriv, the worker exits once its IPC channel closes. With
 * `nice`, the worker (and all it starts) runs at that CPU niceness.
 */
export function superviseWorker(params: {
  entry: string;
  execArgv: string[];
  env: NodeJS.ProcessEnv;
  log: Logger;
  nice?: number;
}): SupervisedWorker {
  const { log } = params;
  let child: ChildProcess | undefined;
  let isUp = false;
  let stopping = false;
  let crashes = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let everReady = false;
  let nextRequest = 1;
  let settleReady!: { resolve: () => void; reject: (e: Error) => void };
  const ready = new Promise<void>((resolve, reject) => (settleReady = { resolve, reject }));

  const start = () => {
    const startedAt = Date.now();
    const worker = spawnWorker(params);
    child = worker;
    worker.on("message", (message) => {
      if (message !== WORKER_READY) return;
      isUp = true;
      log.info({ workerPid: worker.pid }, "worker process ready");
      if (!everReady) settleReady.resolve();
      everReady = true;
    });
    worker.once("exit", (code, signal) => {
      isUp = false;
      if (child === worker) child = undefined;
      if (stopping) return;
      if (!everReady)
        return settleReady.reject(new Error(`the worker process exited (code ${code}, signal ${signal}) before it was ready`));
      crashes = nextCrashCount(crashes, Date.now() - startedAt);
      const delay = restartDelayMs(crashes);
      log.error(
        { workerPid: worker.pid, code, signal, restartInMs: delay },
        "the worker process died; starting it again (in-flight steps resume there)",
      );
      restartTimer = setTimeout(start, delay);
    });
  };
  start();

  return {
    ready,
    up: () => isUp,
    pid: () => child?.pid,
    metrics: () => (child && isUp ? askMetrics(child, nextRequest++) : Promise.resolve([])),
    async stop(timeoutMs = 60_000) {
      stopping = true;
      clearTimeout(restartTimer);
      if (child) await stopWorker(child, timeoutMs);
    },
  };
}

/** Starts one worker process (FIXBOT_ROLE=work, with an IPC channel), at the given CPU niceness. */
function spawnWorker(params: { entry: string; execArgv: string[]; env: NodeJS.ProcessEnv; log: Logger; nice?: number }): ChildProcess {
  const [command, ...args] = workerCommand(params.entry, params.execArgv);
  const worker = spawn(command!, args, { env: { ...params.env, FIXBOT_ROLE: "work" }, stdio: ["inherit", "inherit", "inherit", "ipc"] });
  // Before it starts anything: what it starts inherits the niceness.
  if (params.nice && worker.pid !== undefined) {
    try {
      setPriority(worker.pid, params.nice);
    } catch (error) {
      params.log.warn({ err: error, nice: params.nice }, "could not lower the worker process's CPU priority");
    }
  }
  return worker;
}

/** SIGTERM to a running worker, SIGKILL after `timeoutMs`; resolves once it exited (at once if it already had). */
async function stopWorker(worker: ChildProcess, timeoutMs: number): Promise<void> {
  if (worker.exitCode !== null || worker.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  worker.kill("SIGTERM");
  const timer = setTimeout(() => worker.kill("SIGKILL"), timeoutMs);
  await exited;
  clearTimeout(timer);
}

const SETPRIV = "/usr/bin/setpriv";

/** The worker's command line: node with `execArgv` on `entry`, under `setpriv --pdeathsig KILL` when present. */
export function workerCommand(
  entry: string,
  execArgv: readonly string[],
  setpriv: string | null = existsSync(SETPRIV) ? SETPRIV : null,
): string[] {
  const node = [process.execPath, ...execArgv, entry];
  return setpriv ? [setpriv, "--pdeathsig", "KILL", "--", ...node] : node;
}

/** One metrics request over the worker's IPC channel; an empty list if it does not answer in time. */
function askMetrics(worker: ChildProcess, id: number): Promise<MetricsJson[]> {
  return new Promise((resolve) => {
    const done = (metrics: MetricsJson[]) => {
      clearTimeout(timer);
      worker.off("message", onMessage);
      resolve(metrics);
    };
    const onMessage = (message: unknown) => {
      const reply = message as { type?: string; id?: number; metrics?: MetricsJson };
      if (reply?.type === METRICS_REPLY && reply.id === id) done(reply.metrics ? [reply.metrics] : []);
    };
    const timer = setTimeout(() => done([]), METRICS_WAIT_MS);
    worker.on("message", onMessage);
    worker.send({ type: METRICS_REQUEST, id }, (error) => {
      if (error) done([]);
    });
  });
}
