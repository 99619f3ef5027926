import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { engineAnswers as healthy, engineBinary, engineEnv } from "../../src/runtime/engine-daemon.js";

/** The Rivet Engine binary RivetKit ships (the same one fixbot starts). */
export const ENGINE_BINARY = engineBinary();

export interface ExternalEngine {
  /** http://127.0.0.1:<port>: what fixbot processes get as RIVET_ENDPOINT. */
  endpoint: string;
  /** The guard port P (API, gateway and runner connections); P+1 is the peer API, P+10 the metrics. */
  port: number;
  pid: number;
  /** The engine's stdout and stderr. */
  logFile: string;
  /** The last `lines` lines of the engine's log. */
  logTail(lines?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `timeoutMs` (default 10 s); resolves once the process has exited. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Starts a Rivet Engine as a process of its own (not through RivetKit): several fixbot processes share it with
 * RIVET_ENDPOINT=<endpoint> and RIVET_RUN_SERVICES=0, as machines sharing one engine would. Configured only by
 * RIVET__* variables (src/runtime/engine-daemon.ts engineEnv: the failure-detection thresholds lowered so an
 * actor whose process died is rescheduled in ~3 s instead of ~7 s). The log goes to `<dataDir>/engine.log`.
 */
export async function startExternalEngine(params: { dataDir: string; readyTimeoutMs?: number; env?: Record<string, string> }): Promise<ExternalEngine> {
  await mkdir(params.dataDir, { recursive: true });
  const port = await freePortBlock();
  // The same settings fixbot gives the engine it starts itself (fast failover thresholds included), with the
  // data under `<dataDir>/.rivetkit/var/engine/db`; nothing of the test process's own Rivet setup reaches it.
  const env = engineEnv({ port, storagePath: params.dataDir, baseEnv: process.env, overrides: params.env });

  const logFile = join(params.dataDir, "engine.log");
  const fd = openSync(logFile, "a");
  const child = (() => {
    try {
      return spawn(ENGINE_BINARY, ["start"], { cwd: params.dataDir, env, stdio: ["ignore", fd, fd] });
    } finally {
      closeSync(fd);
    }
  })();
  const pid = child.pid;
  if (pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once("error", resolve));
    throw new Error(`could not start the Rivet Engine (${ENGINE_BINARY}): ${error.message}`);
  }
  let hasExited = false;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      hasExited = true;
      resolve();
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const logTail = async (lines = 40) => (await readFile(logFile, "utf8").catch(() => "")).split("\n").slice(-lines - 1).join("\n");

  const stop = async (timeoutMs = 10_000) => {
    if (hasExited) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (params.readyTimeoutMs ?? 30_000);
  for (;;) {
    // An engine that could not bind its ports exits: never take another process's engine for ours.
    if (hasExited) throw new Error(`the Rivet Engine exited before it was healthy; log tail:\n${await logTail()}`);
    if (await healthy(endpoint)) break;
    if (Date.now() > deadline) {
      const tail = await logTail();
      await stop();
      throw new Error(`the Rivet Engine was not healthy on ${endpoint} after ${params.readyTimeoutMs ?? 30_000} ms; log tail:\n${tail}`);
    }
    await sleep(100);
  }
  if (hasExited) throw new Error(`the Rivet Engine exited right after its health check; log tail:\n${await logTail()}`);
  return { endpoint, port, pid, logFile, logTail, stop };
}

/**
 * A random port P with P, P+1 and P+10 free (the engine uses all three), in a range away from the kernel's
 * ephemeral ports, and with no engine answering on P (an engine already there would be mistaken for ours).
 */
async function freePortBlock(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    // Offset 5 in a block of 16: never P, P+1 or P+10 of the embedded engines other files start (engine-env.ts).
    const port = 21_000 + 16 * Math.floor(Math.random() * 2_000) + 5;
    const free = (await Promise.all([port, port + 1, port + 10].map(portFree))).every(Boolean);
    if (free && !(await healthy(`http://127.0.0.1:${port}`))) return port;
  }
  throw new Error("found no free port block for the Rivet Engine");
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
