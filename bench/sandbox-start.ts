/**
 * What the sandbox adds to every repository command: the same command (`true`, then a small `node -e`) run
 * directly and inside the sandbox, alternating, with a steady CPU load running behind them (a busy bot is not
 * idle). Prints medians and p90s, the sandbox's extra cost, and its ratio to the direct run. Goal: at most 100 ms
 * more per step. Nothing is asserted.
 */
import { fork } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProcess } from "../src/exec/run-process.js";
import { createSandbox } from "../src/sandbox/sandbox.js";
import { readSandboxSettings } from "../src/sandbox/settings.js";
import { loadLine, median, ms, ratio, runAsMain, type BenchResult } from "./lib.js";

const ROUNDS = Number(process.env.BENCH_SANDBOX_ROUNDS ?? 40);

function p90(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))]!;
}

/** One core kept busy the whole time: a child that spins in 50 ms slices. */
function backgroundLoad(): () => void {
  const child = fork("-e", [], { execArgv: ["-e", "for(;;){const t=Date.now();while(Date.now()-t<50){}}"], stdio: "ignore" });
  return () => child.kill("SIGKILL");
}

async function run(): Promise<BenchResult> {
  const root = await mkdtemp(join(tmpdir(), "fixbot-bench-sandbox-"));
  const workspace = join(root, "ws");
  await mkdir(workspace, { recursive: true });
  const settings = readSandboxSettings({});
  const sandbox = createSandbox({ settings, dataDir: root });
  await sandbox.check();
  const stopLoad = backgroundLoad();
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
  const figures: Record<string, { direct: number[]; sandboxed: number[]; egress: number[] }> = {};
  try {
    for (const [name, command] of [
      ["true", "true"],
      ["node -e", "node -e 0"],
    ] as const) {
      const f: { direct: number[]; sandboxed: number[]; egress: number[] } = { direct: [], sandboxed: [], egress: [] };
      figures[name] = f;
      for (let i = 0; i < ROUNDS; i++) {
        let t = performance.now();
        await runProcess({ command, cwd: workspace, env, timeoutMs: 30_000 });
        f.direct.push(performance.now() - t);
        t = performance.now();
        await sandbox.run({
          role: "tests",
          network: { network: "none" },
          command,
          workspace,
          key: "bench/sandbox/1",
          env,
          timeoutMs: 30_000,
        });
        f.sandboxed.push(performance.now() - t);
        t = performance.now();
        await sandbox.run({ role: "tests", command, workspace, key: "bench/sandbox/1", env, timeoutMs: 30_000 });
        f.egress.push(performance.now() - t);
      }
    }
  } finally {
    stopLoad();
    await rm(root, { recursive: true, force: true });
  }
  console.log(`\n== sandbox start cost per step (${ROUNDS} rounds each, one core busy behind; ${loadLine()}) ==`);
  const rows: BenchResult["rows"] = [];
  const raw: BenchResult["raw"] = {};
  for (const [name, f] of Object.entries(figures)) {
    for (const [variant, values] of [
      ["sandbox, no network", f.sandboxed],
      ["sandbox + egress proxy", f.egress],
    ] as const) {
      const extra = median(values) - median(f.direct);
      console.log(
        `${name.padEnd(8)} ${variant.padEnd(24)} median ${ms(median(values))} p90 ${ms(p90(values))}  direct median ${ms(median(f.direct))} p90 ${ms(p90(f.direct))}  extra ${ms(extra)} (goal ≤ 100 ms: ${extra <= 100 ? "met" : "NOT met"})`,
      );
      rows.push({
        bench: "sandbox-start",
        figure: `${name}: ${variant} (median)`,
        measured: ms(median(values)),
        baseline: ms(median(f.direct)),
        ratio: ratio(median(values) / median(f.direct)),
      });
      raw[`${name} ${variant}`] = values;
    }
    raw[`${name} direct`] = f.direct;
  }
  return { name: "sandbox-start", rows, raw, leftoverEngines: [] };
}

runAsMain(run);
