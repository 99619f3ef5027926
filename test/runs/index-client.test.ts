import pino from "pino";
import { describe, expect, it } from "vitest";
import { runsIndexIntake, runsIndexWriter } from "../../src/runs/index-client.js";
import type { RunSummary } from "../../src/runs/run-summary.js";

const summary = {
  id: "r1",
  installationId: 5,
  repo: "acme/calc",
  number: 1,
  kind: "fix",
  status: "running",
  requestedBy: "alice",
  startedAt: 1,
  attempts: 0,
  links: { issue: "https://github.com/acme/calc/issues/1" },
  steps: [],
} satisfies RunSummary;

/** A stand-in for RivetKit's client: counts creations (getOrCreate) and answers upserts as told. */
function fakeClient(upsert: () => Promise<boolean>) {
  const calls = { created: 0, upserts: 0, catalogAdds: [] as number[] };
  const client = {
    runsIndex: {
      getOrCreate: (key: string[]) => ({ resolve: async () => (calls.created++, `index-${key.join("/")}`) }),
      getForId: () => ({ upsert: () => (calls.upserts++, upsert()), list: async () => [], get: async () => null }),
    },
    runsCatalog: {
      getOrCreate: () => ({ resolve: async () => "catalog" }),
      getForId: () => ({ add: async (id: number) => (calls.catalogAdds.push(id), true), list: async () => calls.catalogAdds }),
    },
  };
  return { client: () => client as never, calls };
}

const lines: string[] = [];
const log = pino({ level: "warn" }, { write: (line: string) => void lines.push(line) });

describe("writing to the runs index", () => {
  it("a write that does not answer gives up within its time budget and is logged, never thrown", async () => {
    const { client } = fakeClient(() => new Promise<boolean>(() => undefined));
    const writer = runsIndexWriter(client, log);
    expect(await writer.upsert(summary, { budgetMs: 50 })).toBe(false);
    expect(lines.join("")).toContain("could not update the runs index; the run's next update will retry");
  });

  it("a run's last update is tried again within its budget", async () => {
    let failures = 2;
    const { client, calls } = fakeClient(async () => {
      if (failures-- > 0) throw new Error("engine busy");
      return true;
    });
    const writer = runsIndexWriter(client, log);
    expect(await writer.upsert(summary, { attempts: 3, budgetMs: 5_000 })).toBe(true);
    expect(calls.upserts).toBe(3);
  });

  it("many writes at once create an installation's index once, then look it up", async () => {
    const { client, calls } = fakeClient(async () => true);
    const writer = runsIndexWriter(client, log);
    await Promise.all([1, 2, 3].map((n) => writer.upsert({ ...summary, id: `r${n}` })));
    expect(calls.created).toBe(1);
    expect(calls.upserts).toBe(3);
  });

  it("the intake registers an installation once: its index created, the catalog told", async () => {
    const { client, calls } = fakeClient(async () => true);
    const intake = runsIndexIntake(client);
    await Promise.all([intake.register(5), intake.register(5), intake.register(6)]);
    expect(calls.created).toBe(2);
    expect(await intake.reader.installations()).toEqual([5, 6]);
  });
});
