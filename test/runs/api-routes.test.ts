import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createRunsApiHandler, parseRunsQuery } from "../../src/runs/api-routes.js";
import { bounded, RunsIndexUnavailable, singleFlight } from "../../src/runs/bounded.js";
import type { RunsIndexReader } from "../../src/runs/index-client.js";
import { indexRunsSource, mergeLists } from "../../src/runs/index-source.js";
import type { RunSummary, RunsSource } from "../../src/runs/run-summary.js";

const TOKEN = "t".repeat(32);

function run(id: string, startedAt: number, over: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    installationId: 1,
    repo: "acme/calc",
    number: 1,
    kind: "fix",
    status: "succeeded",
    requestedBy: "alice",
    startedAt,
    attempts: 1,
    links: { issue: "https://github.com/acme/calc/issues/1" },
    steps: [],
    ...over,
  };
}

let server: Server | undefined;
afterEach(() => server?.close());

async function serve(source: RunsSource, token: string | null = TOKEN): Promise<string> {
  const handle = createRunsApiHandler({ source, token: token ?? undefined, log: pino({ level: "silent" }) });
  server = createServer((req, res) => {
    void handle(req, res).then((done) => {
      if (!done) res.writeHead(404).end("not ours");
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const get = (url: string, token?: string) => fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});

describe("the runs API", () => {
  const runs = [run("b", 2, { status: "failed" }), run("a", 1)];
  const source: RunsSource = {
    list: async (filter) => runs.filter((r) => !filter.status || r.status === filter.status),
    get: async (id) => runs.find((r) => r.id === id),
  };

  it("lists and shows runs as JSON with the token; 401 without it or with another", async () => {
    const base = await serve(source);
    const list = await get(`${base}/api/runs?status=failed`, TOKEN);
    expect(list.status).toBe(200);
    expect(((await list.json()) as { runs: RunSummary[] }).runs.map((r) => r.id)).toEqual(["b"]);
    const one = await get(`${base}/api/runs/a`, TOKEN);
    expect(((await one.json()) as { run: RunSummary }).run.id).toBe("a");
    expect((await get(`${base}/api/runs/nope`, TOKEN)).status).toBe(404);
    expect((await get(`${base}/api/runs`)).status).toBe(401);
    expect((await get(`${base}/api/runs`, "x".repeat(32))).status).toBe(401);
    expect((await get(`${base}/other`, TOKEN)).status).toBe(404);
  });

  it("without FIXBOT_RUNS_TOKEN the API is refused, saying to set it", async () => {
    const base = await serve(source, null);
    const response = await get(`${base}/api/runs`, TOKEN);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toContain("set FIXBOT_RUNS_TOKEN");
  });

  it("a bad filter is a 400 naming it", async () => {
    const base = await serve(source);
    const response = await get(`${base}/api/runs?status=weird`, TOKEN);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/^status:/);
  });

  it("an index that does not answer gives 503 with a clear message, not a hanging request", async () => {
    const stuck: RunsIndexReader = {
      installations: () => bounded("the runs catalog", 50, () => new Promise<number[]>(() => undefined)),
      list: async () => [],
      get: async () => null,
    };
    const base = await serve(indexRunsSource(stuck));
    const response = await get(`${base}/api/runs`, TOKEN);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toContain("the runs catalog did not answer within 50 ms");
  });

  it("query parsing: empty values are absent; limit within 1..200; repo must be owner/name", () => {
    expect(parseRunsQuery(new URLSearchParams("status=&repo=acme/calc&limit=5"))).toEqual({
      ok: true,
      filter: { repo: "acme/calc", limit: 5 },
    });
    expect(parseRunsQuery(new URLSearchParams("limit=0")).ok).toBe(false);
    expect(parseRunsQuery(new URLSearchParams("repo=calc")).ok).toBe(false);
  });
});

describe("the runs source over the installations' indexes", () => {
  const reader: RunsIndexReader = {
    installations: async () => [1, 2],
    list: async (id) => (id === 1 ? [run("one-new", 30), run("one-old", 10)] : [run("two", 20, { installationId: 2 })]),
    get: async (id, runId) => (id === 2 && runId === "two" ? run("two", 20, { installationId: 2 }) : null),
  };

  it("merges the installations' lists newest first within the limit, and finds a run in any of them", async () => {
    const source = indexRunsSource(reader);
    expect((await source.list({})).map((r) => r.id)).toEqual(["one-new", "two", "one-old"]);
    expect((await source.list({ limit: 2 })).map((r) => r.id)).toEqual(["one-new", "two"]);
    expect((await source.get("two"))?.installationId).toBe(2);
    expect(await source.get("none")).toBeUndefined();
    expect(await source.list({ repos: [] })).toEqual([]);
    expect(mergeLists([], undefined)).toEqual([]);
  });
});

describe("bounded calls", () => {
  it("a call that does not answer in time becomes RunsIndexUnavailable; a failing one too, with its cause", async () => {
    await expect(bounded("x", 20, () => new Promise(() => undefined))).rejects.toBeInstanceOf(RunsIndexUnavailable);
    await expect(bounded("x", 1_000, () => Promise.reject(new Error("boom")))).rejects.toThrow(/x failed: Error: boom/);
    expect(await bounded("x", 1_000, async () => 3)).toBe(3);
  });

  it("single flight: one call per key at a time; a failure is forgotten so the next call tries again", async () => {
    let calls = 0;
    let fail = true;
    const once = singleFlight(async (key: string) => {
      calls++;
      if (fail) throw new Error(key);
      return calls;
    });
    await Promise.allSettled([once("a"), once("a"), once("a")]);
    expect(calls).toBe(1);
    fail = false;
    expect(await once("a")).toBe(2);
    expect(await once("a")).toBe(2);
  });
});
