import type { Logger } from "pino";
import type { Client } from "rivetkit/client";
import type { FixbotRegistry } from "../actors/index.js";
import { RUNS_CATALOG_KEY, runsIndexKey } from "../actors/keys.js";
import { bounded, singleFlight } from "./bounded.js";
import type { RunSummary, RunsFilter } from "./run-summary.js";

/**
 * How long index calls may take: a write (with its retries) within `write` ms, a run's last update within
 * `finalWrite` (both well inside the 10 s of the shortest step that writes), a read within `read`, a first
 * creation within `create`. A write that misses its time is logged; the run's next update carries it again.
 */
export const INDEX_TIMEOUTS = { write: 3_000, finalWrite: 6_000, read: 5_000, create: 20_000 } as const;

export interface WriteOptions {
  /** Tries at most this many times within the time budget (a run's last update: more than 1). */
  attempts?: number;
  /** The time budget, all tries included (default INDEX_TIMEOUTS.write). */
  budgetMs?: number;
}

/** What the workflows write through: never throws, never takes longer than its time budget. */
export interface RunsIndexWriter {
  /** False when the write did not happen (logged). */
  upsert(summary: RunSummary, options?: WriteOptions): Promise<boolean>;
}

/** What the intake reads through (src/runs/index-source.ts); every call is bounded and throws RunsIndexUnavailable. */
export interface RunsIndexReader {
  installations(): Promise<number[]>;
  list(installationId: number, filter: RunsFilter): Promise<RunSummary[]>;
  get(installationId: number, id: string): Promise<RunSummary | null>;
}

type ClientOf = () => Client<FixbotRegistry>;

/**
 * The index actor of an installation, created (getOrCreate) at most once at a time per process and then looked
 * up by id: several runs asking getOrCreate of one new actor at once made the engine destroy it mid-creation.
 */
function indexHandles(client: ClientOf) {
  const resolve = singleFlight((installationId: number) =>
    bounded(`creating the runs index of installation ${installationId}`, INDEX_TIMEOUTS.create, () =>
      client().runsIndex.getOrCreate(runsIndexKey(installationId)).resolve(),
    ),
  );
  return async (installationId: number) => client().runsIndex.getForId(await resolve(installationId));
}

/** The writer the workflows use (through StepDeps.runsIndex). */
export function runsIndexWriter(client: ClientOf, log: Logger): RunsIndexWriter {
  const handleOf = indexHandles(client);
  return {
    async upsert(summary, options = {}) {
      const deadline = Date.now() + (options.budgetMs ?? INDEX_TIMEOUTS.write);
      const left = () => Math.max(1, deadline - Date.now());
      const what = `the runs index of installation ${summary.installationId}`;
      for (let attempt = 1; ; attempt++) {
        try {
          const handle = await bounded(what, left(), () => handleOf(summary.installationId));
          await bounded(what, left(), () => handle.upsert(summary));
          return true;
        } catch (error) {
          if (attempt < (options.attempts ?? 1) && deadline - Date.now() > 500) {
            await new Promise((r) => setTimeout(r, Math.min(250 * attempt, left())));
            continue;
          }
          log.warn({ err: error, runId: summary.id }, "could not update the runs index; the run's next update will retry");
          return false;
        }
      }
    },
  };
}

export interface RunsIndexIntake {
  register: (installationId: number) => Promise<void>;
  /** Creates the catalog ahead of the first read (at start; a failure is forgotten, a read tries again). */
  warm: () => Promise<void>;
  reader: RunsIndexReader;
}

/**
 * The intake's side: `register` creates an installation's index and lists it in the catalog before its first job
 * is handed over (so the workflows only look it up); the reader serves the runs API.
 */
export function runsIndexIntake(client: ClientOf): RunsIndexIntake {
  const handleOf = indexHandles(client);
  const catalog = singleFlight((_: "catalog") =>
    bounded("creating the runs catalog", INDEX_TIMEOUTS.create, () => client().runsCatalog.getOrCreate(RUNS_CATALOG_KEY).resolve()),
  );
  const catalogHandle = async () => client().runsCatalog.getForId(await catalog("catalog"));
  const register = singleFlight(async (installationId: number) => {
    await handleOf(installationId);
    const handle = await catalogHandle();
    await bounded("the runs catalog", INDEX_TIMEOUTS.write, () => handle.add(installationId));
  });
  // Each read is bounded as a whole, the lookup of the actor included.
  const read = <T>(what: string, call: () => Promise<T>) => bounded(what, INDEX_TIMEOUTS.read, call);
  const inIndex = (id: number) => `the runs index of installation ${id}`;
  return {
    register,
    warm: async () => void (await catalog("catalog")),
    reader: {
      installations: () => read("the runs catalog", async () => (await catalogHandle()).list()),
      list: (id, filter) => read(inIndex(id), async () => (await handleOf(id)).list(filter)),
      get: (id, runId) => read(inIndex(id), async () => (await handleOf(id)).get(runId)),
    },
  };
}
