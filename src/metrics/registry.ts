import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Seconds buckets for the webhook answer (milliseconds matter: GitHub gives 10 s, fixbot aims for a few ms). */
const ANSWER_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds buckets for workflow steps: from a recorded comment edit (tens of ms) to an agent (up to hours). */
const STEP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200];

/**
 * Every metric fixbot exposes, on a registry of its own (never prom-client's global one): each process (and
 * each test) builds one and passes it to what records. Counters count what this process did since it started;
 * Prometheus sums processes.
 */
export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    ...webhookMetrics(registers),
    ...runMetrics(registers),
    ...agentUsageMetrics(registers),
    ...limitMetrics(registers),
  };
}

/** Webhook deliveries and how fast they were answered. */
function webhookMetrics(registers: Registry[]) {
  return {
    deliveries: new Counter({
      name: "fixbot_webhook_deliveries_total",
      help: "Webhook deliveries by GitHub event and outcome: accepted (recorded in the inbox), ignored (nothing to do), refused (4xx: bad signature or body), failed (5xx), handed-on (given to its actor), dead-lettered (given up on).",
      labelNames: ["event", "outcome"] as const,
      registers,
    }),
    webhookAnswer: new Histogram({
      name: "fixbot_webhook_answer_seconds",
      help: "Time from a webhook request's arrival to fixbot's answer, by GitHub event.",
      labelNames: ["event"] as const,
      buckets: ANSWER_BUCKETS,
      registers,
    }),
  };
}

/** Finished runs and the duration of their workflow steps. */
function runMetrics(registers: Registry[]) {
  return {
    runs: new Counter({
      name: "fixbot_runs_total",
      help: "Finished runs by kind (fix, review) and final status (fixed, tests-failing, no-change, error, cancelled, ignored; reviews: reviewed, skipped, error).",
      labelNames: ["kind", "status"] as const,
      registers,
    }),
    stepDuration: new Histogram({
      name: "fixbot_step_duration_seconds",
      help: "Duration of workflow steps that ran in this process, by step name (attempt number dropped) and result (done, failed).",
      labelNames: ["step", "result"] as const,
      buckets: STEP_BUCKETS,
      registers,
    }),
  };
}

/**
 * What the agents reported using: attempts of finished fix runs, and turns, tokens and cost by role: "edit" (the
 * fixing agent's attempts) and "review" (the review of a fix, a pull request review, a `/fixbot ask` answer).
 */
function agentUsageMetrics(registers: Registry[]) {
  return {
    attempts: new Counter({
      name: "fixbot_agent_attempts_total",
      help: "Agent attempts (edit, then test) of finished fix runs.",
      registers,
    }),
    turns: new Counter({
      name: "fixbot_agent_turns_total",
      help: "Agent turns reported, by role (edit: the fixing agent of finished fix runs; review: reviews and answers).",
      labelNames: ["role"] as const,
      registers,
    }),
    tokens: new Counter({
      name: "fixbot_agent_tokens_total",
      help: "Model tokens reported, by role (edit, review) and direction (input, output).",
      labelNames: ["role", "direction"] as const,
      registers,
    }),
    costUsd: new Counter({
      name: "fixbot_agent_cost_usd_total",
      help: "Cost in US dollars reported, by role (edit, review).",
      labelNames: ["role"] as const,
      registers,
    }),
    unreportedAttempts: new Counter({
      name: "fixbot_agent_usage_unreported_total",
      help: "Agent attempts of finished fix runs whose backend reported no usage (not counted as zero).",
      registers,
    }),
  };
}

/** Limits hit: the sandbox's, and the operator's spend ceilings and windows. */
function limitMetrics(registers: Registry[]) {
  return {
    sandboxLimits: new Counter({
      name: "fixbot_sandbox_limits_hit_total",
      help: "Sandboxed commands that hit a limit: disk (stopped by fixbot), processes and memory (probably: seen in the output), egress (refused hosts).",
      labelNames: ["limit"] as const,
      registers,
    }),
    spendRefusals: new Counter({
      name: "fixbot_spend_refusals_total",
      help: "Runs refused or stopped by an operator ceiling or spend window, by which (budget ceiling, org-day, org-month, repo-day, repo-month).",
      labelNames: ["limit"] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Gauges read when Prometheus scrapes (what is waiting, what is running), registered on `metrics.registry`. */
export function addScrapeGauges(
  metrics: Metrics,
  sources: {
    inboxBacklog?: () => number;
    deadLetters?: () => Promise<number>;
    slots?: () => { runs: number; waiting: number; limit?: number };
  },
): void {
  const registers = [metrics.registry];
  const { inboxBacklog, deadLetters, slots } = sources;
  if (inboxBacklog) {
    new Gauge({
      name: "fixbot_inbox_backlog",
      help: "Webhook deliveries accepted and not yet handed to their actor.",
      registers,
      collect() {
        this.set(inboxBacklog());
      },
    });
  }
  if (deadLetters) {
    new Gauge({
      name: "fixbot_inbox_dead_letters",
      help: "Dead letters kept in this process's inbox (deliveries given up on; see README).",
      registers,
      async collect() {
        this.set(await deadLetters());
      },
    });
  }
  if (slots) {
    new Gauge({
      name: "fixbot_runs_in_flight",
      help: "Agent, test and review steps holding a run slot in this process.",
      registers,
      collect() {
        this.set(slots().runs);
      },
    });
    new Gauge({
      name: "fixbot_runs_waiting",
      help: "Steps waiting for a run slot in this process.",
      registers,
      collect() {
        this.set(slots().waiting);
      },
    });
    new Gauge({
      name: "fixbot_run_slots_limit",
      help: "FIXBOT_MAX_CONCURRENT_RUNS (absent when there is no limit).",
      registers,
      collect() {
        const limit = slots().limit;
        if (limit !== undefined) this.set(limit);
      },
    });
  }
}

/** `run-agent#2` -> `run-agent`: one series per step, not per attempt. Pure. */
export function stepLabel(name: string): string {
  return name.split("#")[0] ?? name;
}
