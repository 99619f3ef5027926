import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { createRunsApiHandler } from "../../src/runs/api-routes.js";
import { runsIndexIntake } from "../../src/runs/index-client.js";
import { indexRunsSource } from "../../src/runs/index-source.js";
import type { RunSummary } from "../../src/runs/run-summary.js";
import type { AppHarness } from "../helpers/app-harness.js";
import { fakeGitHub } from "../helpers/fake-github-nock.js";
import { createBareRemote } from "../helpers/git-remote.js";
import { useAppHarness } from "../helpers/integration-suite.js";
import { calcIssueLabeledPayload } from "../helpers/payloads.js";
import { fakeGitHubPulls } from "../helpers/fake-github-pr-nock.js";
import { pullRequestPayload } from "../helpers/pr-payloads.js";
import { pushPullRequestCommit } from "../helpers/pr-remote.js";

const ROOT = join(import.meta.dirname, "..", "..");
const AGENTS = join(ROOT, "fixtures", "agents");
const CALC = join(ROOT, "fixtures", "repos", "calc");
const OWNER = "acme";
const TOKEN = "runs-token-".padEnd(32, "x");

const suite = useAppHarness();
let harness: AppHarness;
let server: Server;
let base: string;

beforeAll(async () => {
  harness = suite.harness();
  // The intake's runs API (src/roles/intake.ts wires the same handler), on the harness's engine client.
  const source = indexRunsSource(runsIndexIntake(() => harness.runtime.client).reader);
  const handle = createRunsApiHandler({ source, token: TOKEN, log: pino({ level: "silent" }) });
  server = createServer((req, res) => void handle(req, res).then((done) => (done ? undefined : res.writeHead(404).end())));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server?.close());

/** A repository of the calc fixture, its fake GitHub (on one installation or another), and its issue labelled. */
async function repoWithAgent(repo: string, agent: string, installationId: number) {
  const remote = await createBareRemote({ fixture: CALC });
  suite.onCleanup(remote.cleanup);
  const configYaml = `agent:\n  command: ${JSON.stringify(join(AGENTS, agent))}\nmaxAttempts: 1\n`;
  const fake = fakeGitHub({ owner: OWNER, repo, installationId, configYaml, roles: { alice: "write" } });
  const label = () =>
    harness.probot.receive({
      id: `delivery-${repo}`,
      name: "issues",
      payload: calcIssueLabeledPayload({ owner: OWNER, repo, number: 1, senderLogin: "alice", cloneUrl: remote.url, installationId }),
    } as never);
  return { fake, label };
}

async function api(path: string, token: string | null = TOKEN): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: response.status, body: await response.json() };
}

/** Polls the API until `done` holds of the list (the index is written by the runs' own steps). */
async function listUntil(done: (runs: RunSummary[]) => boolean, path = "/api/runs"): Promise<RunSummary[]> {
  const deadline = Date.now() + 60_000;
  let last: unknown;
  for (;;) {
    const { status, body } = await api(path);
    last = body;
    if (status === 200 && done(body.runs)) return body.runs;
    if (Date.now() > deadline) throw new Error(`the runs API never showed the expected runs: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("the runs index, fed by the workflows, read through GET /api/runs and fixbot runs", () => {
  it("three runs at once on fresh indexes: all listed newest first with their statuses and steps; filters; 401 without the token", async () => {
    const ok = await repoWithAgent("runs-ok", "fix-calc.sh", 1);
    const ok2 = await repoWithAgent("runs-ok-two", "fix-calc.sh", 1);
    const bad = await repoWithAgent("runs-bad", "never-fix.sh", 2);
    suite.useFake(() => [ok, ok2, bad].forEach((r) => r.fake.stop()));
    // Three concurrent first runs of two new installations: their index actors are created once, not raced.
    await Promise.all([ok.label(), ok2.label(), bad.label()]);
    await Promise.all([
      harness.waitForRuns(`${OWNER}/runs-ok`, 1),
      harness.waitForRuns(`${OWNER}/runs-ok-two`, 1),
      harness.waitForRuns(`${OWNER}/runs-bad`, 1),
    ]);

    const runs = await listUntil((list) => list.length === 3 && list.every((r) => r.finishedAt !== undefined));
    expect([...runs].sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1)).map((r) => r.id)).toEqual(runs.map((r) => r.id));
    const byRepo = Object.fromEntries(runs.map((r) => [r.repo, r]));
    expect(byRepo["acme/runs-ok"]).toMatchObject({
      status: "succeeded",
      kind: "fix",
      number: 1,
      requestedBy: "alice",
      attempts: 1,
      installationId: 1,
    });
    expect(byRepo["acme/runs-ok"]!.links.pullRequest).toMatch(/\/pull\/\d+$/);
    expect(byRepo["acme/runs-ok"]!.links.trackingComment).toMatch(/issues\/1#issuecomment-\d+$/);
    expect(byRepo["acme/runs-ok-two"]?.status).toBe("succeeded");
    expect(byRepo["acme/runs-bad"]).toMatchObject({ status: "failed", installationId: 2 });
    for (const run of runs) {
      expect(run.steps.map((s) => s.name)).toEqual(expect.arrayContaining(["check-request", "clone-repo", "run-agent#1", "run-tests#1"]));
      expect(run.steps.find((s) => s.name === "run-agent#1")).toMatchObject({ status: "done", starts: 1, durationMs: expect.any(Number) });
    }
    expect(byRepo["acme/runs-ok"]!.steps.map((s) => s.name)).toEqual(expect.arrayContaining(["push-branch", "open-pull-request"]));

    const failed = await api("/api/runs?status=failed");
    expect(failed.body.runs.map((r: RunSummary) => r.repo)).toEqual(["acme/runs-bad"]);
    const oneRepo = await api("/api/runs?repo=acme/runs-ok-two");
    expect(oneRepo.body.runs.map((r: RunSummary) => r.repo)).toEqual(["acme/runs-ok-two"]);

    const detail = await api(`/api/runs/${encodeURIComponent(byRepo["acme/runs-bad"]!.id)}`);
    expect(detail.status).toBe(200);
    expect(detail.body.run.testTail).toContain("# fail 1");

    expect((await api("/api/runs", null)).status).toBe(401);
    expect((await api(`/api/runs/${byRepo["acme/runs-bad"]!.id}`, "wrong-token".padEnd(32, "y"))).status).toBe(401);

    // fixbot runs, against the same API (defaults from FIXBOT_URL and FIXBOT_RUNS_TOKEN).
    const out: string[] = [];
    const io = { env: { FIXBOT_URL: base, FIXBOT_RUNS_TOKEN: TOKEN }, stdout: (t: string) => void out.push(t), stderr: () => undefined };
    expect(await main({ ...io, argv: ["runs", "--status", "failed"] })).toBe(0);
    const table = out.join("").trim().split("\n");
    expect(table).toHaveLength(2);
    expect(table[1]).toMatch(/^acme\/runs-bad\s+1\s+fix\s+failed\s+alice\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+\d+s\s+1\/1\s/);
    out.length = 0;
    expect(await main({ ...io, argv: ["runs", byRepo["acme/runs-ok"]!.id] })).toBe(0);
    const text = out.join("");
    expect(text).toContain(`Run ${byRepo["acme/runs-ok"]!.id}: fix of acme/runs-ok#1, succeeded`);
    expect(text).toMatch(/run-agent#1\s+done\s+\d+s\s+1/);
    expect(text).toContain("Agent summary:\n  Fixed add() in src/calc.js");
    expect(text).toMatch(/Tests \(tail\):\n[\s\S]*# pass 3/);
  });

  it("a pull request review is listed as a review run, with its steps and the review's link", async () => {
    const repo = "runs-review";
    const remote = await createBareRemote({ fixture: CALC });
    suite.onCleanup(remote.cleanup);
    const headSha = await pushPullRequestCommit({
      bareDir: remote.dir,
      number: 7,
      parent: "main",
      branch: "feature",
      files: { "NOTES.md": "a note\n" },
      message: "Add a note",
    });
    const fake = fakeGitHubPulls({ owner: OWNER, repo, configYaml: `review:\n  command: ${JSON.stringify(join(AGENTS, "review.sh"))}\n` });
    suite.useFake(fake.stop);
    fake.addPull({
      number: 7,
      state: "open",
      draft: false,
      headSha,
      headRef: "feature",
      baseRef: "main",
      headRepo: `${OWNER}/${repo}`,
      author: "bob",
    });
    await harness.probot.receive({
      id: `delivery-${repo}`,
      name: "pull_request",
      payload: pullRequestPayload({ action: "opened", owner: OWNER, repo, number: 7, headSha, cloneUrl: remote.url, author: "bob" }),
    } as never);

    const [review] = await listUntil((list) => list[0]?.finishedAt !== undefined, `/api/runs?repo=${OWNER}/${repo}`);
    expect(review).toMatchObject({ kind: "review", status: "succeeded", number: 7, requestedBy: "bob", installationId: 1 });
    expect(review!.links.review).toMatch(/pull\/7#pullrequestreview-\d+$/);
    expect(review!.steps.map((s) => [s.name, s.status])).toEqual([
      ["check-pull-request", "done"],
      ["fetch-diff", "done"],
      ["start-check-run", "done"],
      ["review-chunk#1", "done"],
      ["publish-review", "done"],
      ["report-check-run", "done"],
    ]);
    const { body } = await api(`/api/runs/${encodeURIComponent(review!.id)}`);
    expect(body.run.reviewSummary).toMatch(/^Reviewed the pull request [0-9a-f]{7}\.\.[0-9a-f]{7}: 1 chunk\(s\)/);
  });
});
