import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** Small shared pieces of the benchmarks: statistics, formatting, result hand-off to bench/run.ts. */

/** Median of the finite values (a figure that could not be measured is NaN and is left out). */
export function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function max(values: number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? Number.NaN : Math.max(...finite);
}

export function min(values: number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? Number.NaN : Math.min(...finite);
}

/** Milliseconds with a precision that suits the magnitude (µs-range figures keep 4 decimals). */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const digits = Math.abs(value) < 0.1 ? 4 : Math.abs(value) < 10 ? 3 : 1;
  return `${value.toFixed(digits)} ms`;
}

export function ratio(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return value >= 100 ? `${value.toFixed(0)}x` : `${value.toFixed(1)}x`;
}

export const sleep = (millis: number) => new Promise<void>((r) => setTimeout(r, millis));

/** One line of the summary table bench/run.ts prints. */
export interface SummaryRow {
  bench: string;
  figure: string;
  measured: string;
  baseline: string;
  ratio: string;
}

export interface BenchResult {
  name: string;
  rows: SummaryRow[];
  /** Raw figures (ms) for anyone who wants them. */
  raw: Record<string, number | number[]>;
  /** rivet-engine processes of this bench still running after it stopped (should be none). */
  leftoverEngines: number[];
}

/** Cleanups to run if the bench is interrupted (Ctrl-C): the engine daemon would otherwise outlive it. */
const interruptCleanups = new Set<() => Promise<unknown>>();

/** Registers a cleanup for an interrupt; returns the function that unregisters it. */
export function onInterrupt(fn: () => Promise<unknown>): () => void {
  interruptCleanups.add(fn);
  return () => interruptCleanups.delete(fn);
}

/** Resolves with the promise's value, or with undefined after `millis` (a hung shutdown must not skip the engine stop). */
export async function bounded<T>(promise: Promise<T>, millis: number, what: string): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      console.error(`${what} did not finish in ${millis} ms; going on`);
      resolve(undefined);
    }, millis);
  });
  try {
    return await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** True when the module is the entry point (`npx tsx bench/x.ts`), not imported. */
export function isEntryPoint(importMetaUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && pathToFileURL(resolve(entry)).href === importMetaUrl;
}

/**
 * Runs a bench as the process's main function: prints, hands the result to bench/run.ts through the file
 * named by BENCH_RESULT_FILE (when set), and exits (handles left open by a library must not keep it alive).
 */
export function runAsMain(run: () => Promise<BenchResult>): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the bench's engine before exiting`);
      void Promise.allSettled([...interruptCleanups].map((fn) => fn())).then(() => process.exit(130));
    });
  }
  run()
    .then(async (result) => {
      const file = process.env.BENCH_RESULT_FILE;
      if (file) await writeFile(file, JSON.stringify(result));
      process.exit(0);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}

/** A random port block for the embedded engine (it uses P, P+1 and P+10 and reuses an engine already on P). */
export async function freeEnginePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = 20_000 + 16 * Math.floor(Math.random() * 750); // P+10 < 32768: below the kernel's ephemeral ports
    try {
      await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(300) });
    } catch {
      return port; // nothing answers: free
    }
  }
  throw new Error("no free engine port block found");
}

/** Pids of rivet-engine processes whose data directory lies under `dir` (read from /proc/<pid>/environ). */
export async function enginesUnder(dir: string): Promise<number[]> {
  let out = "";
  try {
    out = execFileSync("pgrep", ["-f", "rivet-engine"], { encoding: "utf8" });
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
  const pids: number[] = [];
  for (const line of out.split("\n")) {
    const pid = Number(line.trim());
    if (!pid || pid === process.pid) continue;
    try {
      const env = (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0");
      const data = env.find((v) => v.startsWith("RIVET__FILE_SYSTEM__PATH="))?.slice("RIVET__FILE_SYSTEM__PATH=".length);
      if (data?.startsWith(dir)) pids.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/**
 * The engines still running on `dir` once a stopped engine has had `graceMs` to exit: the harness may have
 * asked it to stop (and removed its runtime file) without waiting for the process to be gone.
 */
export async function enginesLeftUnder(dir: string, graceMs = 15_000): Promise<number[]> {
  const deadline = performance.now() + graceMs;
  let left = await enginesUnder(dir);
  while (left.length > 0 && performance.now() < deadline) {
    await sleep(200);
    left = await enginesUnder(dir);
  }
  return left;
}

/**
 * The end of a process-level bench: stops and removes what it started (printing how long that took, `what`
 * names it), then checks that no engine is left on its data under `root` and says so.
 */
export async function tearDownBench(params: {
  root: string;
  cleanup: () => Promise<void>;
  unregister: () => void;
  what: string;
}): Promise<number[]> {
  const stopping = performance.now();
  await params.cleanup();
  params.unregister();
  console.log(`stopped (${params.what}) and removed the temp directories in ${ms(performance.now() - stopping)}`);
  const leftoverEngines = await enginesLeftUnder(params.root);
  console.log(
    leftoverEngines.length === 0 ? "engine process gone: yes" : `engine process STILL RUNNING: pid ${leftoverEngines.join(", ")}`,
  );
  return leftoverEngines;
}

/** Load average, printed with the figures: other work on a 2-core machine moves them. */
export function loadLine(): string {
  return `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} on ${cpus().length} cores`;
}
