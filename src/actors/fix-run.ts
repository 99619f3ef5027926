import { actor, queue } from "rivetkit";
import { workflow } from "rivetkit/workflow";
import { createSteps, type StepDeps, type Steps } from "../steps/index.js";
import { capped, takeJob } from "../workflow/admit.js";
import { recordOutcome, toOutcome, withOutcome } from "../workflow/finish-run.js";
import { fixIssue } from "../workflow/fix-issue.js";
import { findRun, initialFixRunState, replaceRun, type FixRunState } from "../workflow/fix-run-state.js";
import type { JobContext } from "../workflow/flow-context.js";
import type { Logger } from "pino";
import { savingState } from "../workflow/state-saved.js";
import { stateStep } from "../workflow/step-runner.js";
import type { RunIO } from "../workflow/tracked-steps.js";
import type { FixJob, RunOutcome, RunRecord } from "../workflow/types.js";
import { ENQUEUE_WAKE_MS, needsWaking, startsNextTick, tickChainBroken, waitingInQueue } from "./wake.js";
import { scheduleTick } from "./tick.js";
import { recordFixRun, stepTimer } from "../metrics/run-metrics.js";
import { indexFixRun } from "../runs/feed.js";

/** The backup wake-up cron (see keepAwake); the engine's minimum interval is 5 s. */
const WAKE_BACKUP = "wake-backup";
const WAKE_BACKUP_MS = 5_000;
const MAX_DELIVERIES_KEPT = 200;

/**
 * One actor per (owner/repo, issue number): "one run per issue" is a property of the key, not a lock. Its
 * workflow loops over its queue; each job is a sequence of recorded steps (src/workflow/fix-issue.ts), run
 * inside a try block so a failing job ends in a recorded final state and never wedges the queue.
 */
export function createFixRunActor(deps: StepDeps) {
  const steps = createSteps(deps);
  const runs = createRunHandles(deps, steps);

  return actor({
    state: initialFixRunState(),
    queues: { jobs: queue<FixJob>() },
    run: workflow(async (ctx) => {
      await ctx.loop("jobs", async (loop) => {
        const message = await loop.queue.next("wait-job", { names: ["jobs"] });
        const job = message.body as FixJob;
        await runJob(loop, { deps, steps, job, log: runs.logFor(job), io: () => runs.ioFor(job) });
        runs.forget(job.runId);
      });
    }),
    actions: {
      /**
       * Called after every enqueue: keeps the wake-up alarm ticking until the job has run (see wake.ts). Jobs
       * passed along are put on the queue here first: a batch costs one round trip (src/actors/enqueue.ts).
       */
      keepAwake: async (c, enqueuedAt: number, jobs: FixJob[] = []): Promise<void> => {
        for (const job of jobs) await c.queue.send("jobs", job);
        const ids = jobs.flatMap((job) => (job.deliveryId ? [job.deliveryId] : []));
        if (ids.length > 0) c.state.queued = capped([...waitingInQueue(c.state), ...ids], MAX_DELIVERIES_KEPT);
        const now = Date.now();
        c.state.wakeUntil = Math.max(c.state.wakeUntil, now + ENQUEUE_WAKE_MS);
        // The time the caller sent the job, not now: the workflow may already have taken it from the queue.
        c.state.lastEnqueuedAt = Math.max(c.state.lastEnqueuedAt, enqueuedAt);
        if (tickChainBroken(c.state, now)) await scheduleTick(c, now);
        // A standing backup: while an alarm fires the engine briefly holds none, and a crash right then would
        // break the one-second chain. The cron keeps an alarm registered until the work is done.
        await c.cron.every({ name: WAKE_BACKUP, interval: WAKE_BACKUP_MS, action: "tick" }).catch(() => undefined);
      },
      /** The alarm: reschedules itself while the actor has an open run or a fresh job. */
      tick: async (c): Promise<void> => {
        const now = Date.now();
        if (!needsWaking(c.state, now)) {
          c.state.nextTickAt = 0;
          await c.cron.delete(WAKE_BACKUP).catch(() => false);
          return;
        }
        if (startsNextTick(c.state.nextTickAt, now)) await scheduleTick(c, now);
      },
      /**
       * Stops the open run: its current step's processes are killed, no later step starts, and the tracking
       * comment says who cancelled it. Returns the run id, or null when nothing is running.
       */
      cancel: (c, by: string): string | null => {
        const open = c.state.runs.at(-1);
        if (!open || open.finishedAt !== undefined) return null;
        c.state.cancelRequest = { runId: open.runId, by };
        runs.cancel(open.runId, new Error(`cancelled by @${by}`));
        return open.runId;
      },
      /** Recent runs on this issue, oldest first. */
      getRuns: (c): RunRecord[] => c.state.runs,
      /** One run's outcome, or null while it is unknown. */
      getOutcome: (c, runId: string): (RunOutcome & { final: boolean }) | null => {
        const view = c.state.runs.find((r) => r.runId === runId);
        return view ? { ...toOutcome(view), final: view.closed === true } : null;
      },
    },
  });
}

/**
 * What this process holds for the runs it executes: each run's log, its RunIO (tracking comment, clock, step
 * metrics) and its cancel signal, by run id (a cancel reaches the actor's process).
 */
function createRunHandles(deps: StepDeps, steps: Steps) {
  const cancellers = new Map<string, AbortController>();
  const logFor = (job: FixJob) =>
    deps.log.child({ runId: job.runId, deliveryId: job.deliveryId, repo: `${job.repo.owner}/${job.repo.name}`, issue: job.issue.number });

  function cancellerFor(runId: string): AbortController {
    let controller = cancellers.get(runId);
    if (!controller) cancellers.set(runId, (controller = new AbortController()));
    return controller;
  }

  const ioFor = (job: FixJob): RunIO => {
    const log = logFor(job);
    return {
      runId: job.runId,
      now: deps.now,
      publish: (view) => steps.publishTracking(job, view),
      onPublishError: (error) => log.warn({ err: error }, "could not update the tracking comment; the next update will retry"),
      cancelSignal: cancellerFor(job.runId).signal,
      ...(deps.metrics ? { onStepEnd: stepTimer(deps.metrics) } : {}),
      ...(deps.runsIndex ? { index: indexFixRun(deps.runsIndex, job, deps.now) } : {}),
    };
  };

  return {
    logFor,
    ioFor,
    /** Aborts the run's signal if this process is executing it. */
    cancel(runId: string, reason: Error): void {
      cancellers.get(runId)?.abort(reason);
    },
    /** Drops the run's cancel signal once its job ended. */
    forget(runId: string): void {
      cancellers.delete(runId);
    },
  };
}

/**
 * One job on the fix-run actor: admit it, run the fix workflow in a try block (a failing job ends in a recorded
 * final state and never wedges the queue), record the outcome, publish the final comment, close the run.
 */
async function runJob(
  loop: JobContext<FixRunState>,
  p: { deps: StepDeps; steps: Steps; job: FixJob; log: Logger; io: () => RunIO },
): Promise<void> {
  const { deps, steps, job, log } = p;
  const admission = await stateStep(loop, "admit-job", (state) => takeJob(state, job, deps.now()));
  if (!admission.ok) {
    log.info({ reason: admission.reason }, "request not run");
    return;
  }
  const io = p.io();
  const result = await loop.try("run-job", (tc) => fixIssue(tc, steps, io, job));

  const recorded = await stateStep(loop, "record-outcome", (state) => {
    const view = recordOutcome(state, job, result, deps.now());
    if (deps.metrics) recordFixRun(deps.metrics, view);
    return view;
  });
  // A run that stopped with an error is logged as one (and so reaches Sentry when SENTRY_DSN is set).
  log[recorded.status === "error" ? "error" : "info"](
    { status: recorded.status, reason: recorded.ignoredReason ?? recorded.error?.message },
    "run finished",
  );

  // The final comment edit is retried on its own; if GitHub stays down it is logged, and the job still ends.
  const published = await loop.tryStep({
    name: "publish-outcome",
    timeout: 60_000,
    maxRetries: 8,
    retryBackoffBase: 2_000,
    retryBackoffMax: 60_000,
    run: savingState(async (sc) => {
      const view = withOutcome(findRun(sc.state, job.runId), recorded);
      replaceRun(sc.state, view);
      if (!view.announced) return;
      try {
        const id = await io.publish(view);
        if (id !== undefined) replaceRun(sc.state, { ...view, trackingCommentId: id });
      } finally {
        await io.index?.(findRun(sc.state, job.runId), true);
      }
    }),
  });
  if (!published.ok) log.error({ err: published.failure.error }, "could not publish the final tracking comment");
  await stateStep(loop, "close-run", (state) => replaceRun(state, { ...withOutcome(findRun(state, job.runId), recorded), closed: true }));
}
