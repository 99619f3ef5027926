/**
 * Per-step overhead of a durable RivetKit workflow step, against the same step function called directly.
 *
 * A tiny benchmark actor loops over its queue (like src/actors/fix-run.ts); each job runs N named steps, each
 * hashing 1 KB with node:crypto and writing two fields of actor state. Every step is recorded: after its body
 * runs, the workflow engine flushes the step's history entry and the actor state to the engine (one KV batch
 * per step). The baseline calls the same async step function N times in a plain loop on a plain object.
 *
 * Run alone: `npx tsx bench/step-overhead.ts` (or all benches: `npm run bench`).
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { actor, queue, setup } from "rivetkit";
import { createClient } from "rivetkit/client";
import { workflow } from "rivetkit/workflow";
import { stopEmbeddedEngine } from "../src/runtime/engine.js";
import {
  bounded,
  enginesLeftUnder,
  freeEnginePort,
  isEntryPoint,
  loadLine,
  median,
  min,
  max,
  ms,
  onInterrupt,
  ratio,
  runAsMain,
  sleep,
  type BenchResult,
} from "./lib.js";

const STEPS = 50;
const JOBS = 5;
const WARMUP_JOBS = 1;
const PAYLOAD = randomBytes(1024);

interface BenchState {
  lastHash: string;
  stepsDone: number;
  /** Per job id: the in-workflow time of its N steps (ms). */
  results: Record<string, number>;
}

interface BenchJob {
  jobId: string;
  /** Ephemeral steps are not flushed one by one (a diagnostic variant: it isolates the per-step flush). */
  ephemeral?: boolean;
}

/** The step's work, shared by both paths: hash 1 KB, write two fields of state. */
async function stepWork(state: Pick<BenchState, "lastHash" | "stepsDone">, i: number): Promise<string> {
  const hash = createHash("sha256").update(PAYLOAD).update(String(i)).digest("hex");
  state.lastHash = hash;
  state.stepsDone++;
  return hash.slice(0, 8);
}

const benchActor = actor({
  state: { lastHash: "", stepsDone: 0, results: {} } as BenchState,
  queues: { jobs: queue<BenchJob>() },
  run: workflow(async (ctx) => {
    await ctx.loop("jobs", async (loop) => {
      const message = await loop.queue.next("wait-job", { names: ["jobs"] });
      const job = message.body as BenchJob;
      // Timed in the workflow body on purpose (not recorded): the window is exactly the N `loop.step` calls,
      // from the first call to the last one's return. A replay would re-measure, which does not matter here.
      const started = performance.now();
      for (let i = 0; i < STEPS; i++) {
        await loop.step({ name: `work-${i}`, ephemeral: job.ephemeral === true, run: async (sc) => stepWork(sc.state, i) });
      }
      const elapsed = performance.now() - started;
      await loop.step("record", async (sc) => {
        sc.state.results = { ...sc.state.results, [job.jobId]: elapsed };
      });
    });
  }),
  actions: {
    result: (c, jobId: string): number | null => c.state.results[jobId] ?? null,
  },
});

/** The same step function called directly, N times; returns the elapsed ms. */
async function directRun(): Promise<number> {
  const state = { lastHash: "", stepsDone: 0 };
  const started = performance.now();
  for (let i = 0; i < STEPS; i++) await stepWork(state, i);
  const elapsed = performance.now() - started;
  if (state.stepsDone !== STEPS) throw new Error("direct run did not run every step");
  return elapsed;
}

export async function runStepOverhead(): Promise<BenchResult> {
  console.log(`\n== step-overhead: ${STEPS} durable workflow steps vs the same step functions called directly ==`);
  console.log(loadLine());
  const storage = await mkdtemp(join(tmpdir(), "fixbot-bench-steps-"));
  const port = await freeEnginePort();
  // RivetKit reads these when the registry starts: an isolated embedded engine, quiet, no extra services.
  process.env.RIVET_RUN_ENGINE_PORT = String(port);
  process.env.RIVETKIT_STORAGE_PATH = storage;
  process.env.RIVET_RUN_SERVICES = "0";
  process.env.RIVET_LOG_LEVEL = "silent";
  process.env.RUST_LOG = "off";
  delete process.env.RIVET_ENDPOINT;

  const unregister = onInterrupt(async () => {
    await stopEmbeddedEngine(storage);
    await rm(storage, { recursive: true, force: true });
  });
  const registry = setup({ use: { bench: benchActor }, noWelcome: true });
  let client: ReturnType<typeof createClient<typeof registry>> | undefined;
  let result: Omit<BenchResult, "leftoverEngines"> | undefined;
  try {
    const t0 = performance.now();
    await registry.startAndWait();
    client = createClient<typeof registry>(`http://127.0.0.1:${port}`);
    console.log(`engine + registry started in ${ms(performance.now() - t0)} (port ${port})`);

    const handle = client.bench.getOrCreate(["step-overhead", String(process.pid)]);
    /** Sends jobs one at a time and waits for each; returns per-step ms (in-workflow) and send -> seen ms. */
    const runJobs = async (label: string, count: number, ephemeral: boolean) => {
      const perStep: number[] = [];
      const endToEnd: number[] = [];
      for (let j = 0; j < WARMUP_JOBS + count; j++) {
        const jobId = `${label}-${j}`;
        const sent = performance.now();
        await handle.send("jobs", { jobId, ephemeral } satisfies BenchJob);
        let inWorkflow: number | null = null;
        const deadline = Date.now() + 120_000;
        while ((inWorkflow = await handle.result(jobId)) === null) {
          if (Date.now() > deadline) throw new Error(`job ${jobId} did not finish in 120 s`);
          await sleep(5);
        }
        const total = performance.now() - sent;
        const warm = j < WARMUP_JOBS;
        console.log(
          `  ${warm ? "warm-up" : "job"} ${jobId}: ${STEPS} steps in ${ms(inWorkflow)} (${ms(inWorkflow / STEPS)}/step); send -> result seen ${ms(total)}`,
        );
        if (!warm) {
          perStep.push(inWorkflow / STEPS);
          endToEnd.push(total);
        }
      }
      return { perStep, endToEnd };
    };
    console.log(`durable steps (each flushed: history entry + actor state written to the engine):`);
    const { perStep: durable, endToEnd } = await runJobs("durable", JOBS, false);
    console.log(`diagnostic: the same steps with \`ephemeral: true\` (not flushed one by one):`);
    const { perStep: ephemeral } = await runJobs("ephemeral", 3, true);

    for (let w = 0; w < 3; w++) await directRun();
    const direct: number[] = [];
    for (let j = 0; j < JOBS; j++) direct.push((await directRun()) / STEPS);

    const durableMedian = median(durable);
    const directMedian = median(direct);
    const overhead = durableMedian - directMedian;
    const r = durableMedian / directMedian;
    console.log("");
    console.log(
      `median ms per step, durable (loop.step, ${JOBS} jobs x ${STEPS} steps): ${ms(durableMedian)}  [min ${ms(min(durable))}, max ${ms(max(durable))}]`,
    );
    console.log(
      `median ms per step, direct (same function, plain loop, ${JOBS} x ${STEPS}): ${ms(directMedian)}  [min ${ms(min(direct))}, max ${ms(max(direct))}]`,
    );
    console.log(`overhead per step (durable - direct):                       ${ms(overhead)}`);
    console.log(`ratio durable / direct:                                      ${ratio(r)}`);
    console.log(`(diagnostic) median ms per step with ephemeral steps (no per-step flush): ${ms(median(ephemeral))}`);
    console.log(`median job latency, send -> result action sees it (${STEPS} steps + queue + 5 ms polling): ${ms(median(endToEnd))}`);
    console.log(loadLine());
    result = {
      name: "step-overhead",
      rows: [
        {
          bench: "step-overhead",
          figure: "ms per step (median)",
          measured: ms(durableMedian),
          baseline: ms(directMedian),
          ratio: ratio(r),
        },
        { bench: "step-overhead", figure: "overhead per step", measured: ms(overhead), baseline: "", ratio: "" },
      ],
      raw: { durablePerStep: durable, ephemeralPerStep: ephemeral, directPerStep: direct, endToEnd, overheadPerStep: overhead },
    };
  } finally {
    const stopping = performance.now();
    if (client) await bounded(client.dispose(), 15_000, "client.dispose()");
    await bounded(registry.shutdown(), 15_000, "registry.shutdown()");
    await stopEmbeddedEngine(storage);
    await rm(storage, { recursive: true, force: true });
    unregister();
    console.log(`stopped (client, registry, engine) in ${ms(performance.now() - stopping)}`);
  }
  const leftoverEngines = await enginesLeftUnder(storage);
  console.log(
    leftoverEngines.length === 0 ? "engine process gone: yes" : `engine process STILL RUNNING: pid ${leftoverEngines.join(", ")}`,
  );
  return { ...result, leftoverEngines };
}

if (isEntryPoint(import.meta.url)) runAsMain(runStepOverhead);
