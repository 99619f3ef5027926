/**
 * Runs every benchmark in sequence, each in its own node process (its own embedded Rivet Engine, no state
 * shared between benches), then prints a summary table. `npm run bench`.
 *
 * Benchmarks print figures; they assert nothing about time.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchResult, SummaryRow } from "./lib.js";

const ROOT = join(import.meta.dirname, "..");
const BENCHES = [
  "bench/sandbox-start.ts",
  "bench/step-overhead.ts",
  "bench/label-to-comment.ts",
  "bench/webhook-ack.ts",
  "bench/ack-under-load.ts",
  "bench/drain.ts",
  "bench/hostile-comment.ts",
  "bench/resume-latency.ts",
  "bench/clone.ts",
  "bench/many-runs.ts",
];

function runChild(file: string, resultFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, file)], {
      cwd: ROOT,
      stdio: "inherit",
      env: { ...process.env, BENCH_RESULT_FILE: resultFile },
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function table(rows: SummaryRow[]): string {
  const head: SummaryRow = { bench: "bench", figure: "figure", measured: "fixbot / durable", baseline: "baseline", ratio: "ratio" };
  const all = [head, ...rows];
  const keys = ["bench", "figure", "measured", "baseline", "ratio"] as const;
  const width = Object.fromEntries(keys.map((k) => [k, Math.max(...all.map((r) => r[k].length))])) as Record<(typeof keys)[number], number>;
  const line = (r: SummaryRow) =>
    keys.map((k) => (k === "bench" || k === "figure" ? r[k].padEnd(width[k]) : r[k].padStart(width[k]))).join("  ");
  return [line(head), keys.map((k) => "-".repeat(width[k])).join("  "), ...rows.map(line)].join("\n");
}

async function main(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "fixbot-bench-run-"));
  const rows: SummaryRow[] = [];
  const failed: string[] = [];
  const leftovers: string[] = [];
  const started = Date.now();
  try {
    for (const [i, file] of BENCHES.entries()) {
      const resultFile = join(dir, `result-${i}.json`);
      const code = await runChild(file, resultFile);
      if (code !== 0) {
        failed.push(`${file} (exit ${code})`);
        continue;
      }
      const result = JSON.parse(await readFile(resultFile, "utf8")) as BenchResult;
      rows.push(...result.rows);
      for (const pid of result.leftoverEngines) leftovers.push(`pid ${pid} (${file})`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  console.log(
    `\n== summary (${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, node ${process.version}, ${((Date.now() - started) / 1000).toFixed(0)} s) ==`,
  );
  console.log(table(rows));
  console.log(
    leftovers.length === 0
      ? "rivet-engine processes left behind by the benches: none"
      : `rivet-engine processes the benches left running: ${leftovers.join(", ")}`,
  );
  if (failed.length > 0) console.log(`FAILED: ${failed.join(", ")}`);
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
