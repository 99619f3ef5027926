import { chmod, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import type { RunSlots } from "../../src/limits/run-slots.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { Probot, ProbotOctokit } from "probot";
import { createAgentFactory } from "../../src/agents/factory.js";
import { testSandbox } from "./sandbox.js";
import { createApp } from "../../src/app.js";
import { createInstallationAccess } from "../../src/github/installation-access.js";
import { createDispatch } from "../../src/runtime/dispatch.js";
import { startRuntime, type Runtime } from "../../src/runtime/start-runtime.js";
import type { AgentFactory, StepDeps } from "../../src/steps/deps.js";
import type { Metrics } from "../../src/metrics/registry.js";
import type { RunRecord } from "../../src/workflow/types.js";
import { generatePrivateKey } from "./app-key.js";
import { isolateEngineEnv } from "./engine-env.js";

/** Retries a client call while the engine is slow to route it (under load it can time out at 15 s). */
export async function engineCall<T>(fn: () => Promise<T>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export interface AppHarness {
  probot: Probot;
  runtime: Runtime;
  dataDir: string;
  /** A host directory every sandboxed command may write (FIXBOT_SANDBOX_RW_PATHS): where test agents leave their markers. */
  sharedDir: string;
  /** Waits until the issue's actor has `count` closed runs (final comment published) (ignored ones included) and returns its runs. */
  waitForRuns(repoFullName: string, issue: number, count?: number, timeoutMs?: number): Promise<RunRecord[]>;
  stop(): Promise<void>;
}

/**
 * The real thing minus GitHub: a Probot instance (retry and throttle off, so a missing mock fails at once)
 * loaded with fixbot's app, on a real embedded Rivet Engine isolated for this test file.
 */
export async function startAppHarness(
  params: {
    createAgent?: AgentFactory;
    secrets?: string[];
    slots?: RunSlots;
    /** The bot's clock (webhooks and steps). */ now?: () => number;
    spend?: StepDeps["spend"];
    metrics?: Metrics;
  } = {},
): Promise<AppHarness> {
  const now = params.now ?? Date.now;
  isolateEngineEnv();
  const dataDir = await mkdtemp(join(tmpdir(), "fixbot-it-"));
  // The bot's log goes to a file, read back into the error when a run does not end in time (see waitForRuns).
  const logFile = join(dataDir, "bot.log");
  const log = pino({ level: "info" }, pino.destination({ dest: logFile, sync: true, mkdir: true }));
  const probot = new Probot({
    appId: 1,
    privateKey: generatePrivateKey(),
    log,
    Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }),
  });
  const sharedDir = join(dataDir, "shared");
  await mkdir(sharedDir, { recursive: true });
  await chmod(sharedDir, 0o777);
  const sandbox = testSandbox(dataDir, { rwPaths: [sharedDir] });
  const runtime = await startRuntime({
    dataDir,
    sandbox,
    github: createInstallationAccess({ probot: () => probot, octokit: { retries: 0, throttle: false } }),
    createAgent: params.createAgent ?? createAgentFactory({ sandbox }),
    secrets: params.secrets ?? [],
    log,
    now,
    ...(params.slots ? { slots: params.slots } : {}),
    ...(params.spend ? { spend: params.spend } : {}),
    ...(params.metrics ? { metrics: params.metrics } : {}),
  });
  // As in production: webhooks go through the durable inbox, then to their actors.
  const dispatch = await createDispatch({ runtime, dir: join(dataDir, "inbox"), log });
  await probot.load(
    createApp({ acceptFix: dispatch.acceptFix, acceptReview: dispatch.acceptReview, acceptCommand: dispatch.acceptCommand, now }),
  );
  return {
    probot,
    runtime,
    dataDir,
    sharedDir,
    async waitForRuns(repoFullName, issue, count = 1, timeoutMs = 120_000) {
      const handle = runtime.client.fixRun.getOrCreate([repoFullName.toLowerCase(), String(issue)]);
      const deadline = Date.now() + timeoutMs;
      let runs: RunRecord[] = [];
      let lastError: unknown;
      for (;;) {
        // The engine can take a while to place a new actor under load (a 15 s route timeout): keep asking.
        try {
          runs = await handle.getRuns();
          if (runs.filter((r) => r.closed).length >= count) return runs;
        } catch (error) {
          lastError = error;
        }
        if (Date.now() > deadline) {
          const tail = (await readFile(logFile, "utf8").catch(() => "")).split("\n").slice(-40).join("\n");
          throw new Error(
            `timed out waiting for ${count} closed run(s) on ${repoFullName}#${issue}: ${JSON.stringify(runs.map((r) => [r.status, r.steps.map((s) => s.name)]))}; last error: ${String(lastError)}\nbot log tail:\n${tail}`,
          );
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      await dispatch.inbox.close(1000);
      await runtime.stop({ stopEngine: true });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
