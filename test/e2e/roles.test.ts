import { randomUUID } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { descendantsOf, enginesUsing, isAlive, startReadyBot, stopEngine, type BotProcess } from "../helpers/bot-process.js";
import { startExternalEngine, type ExternalEngine } from "../helpers/external-engine.js";
import { startFakeGitHub, type FakeGitHubServer } from "../helpers/fake-github-server.js";
import { createBareRemote } from "../helpers/git-remote.js";
import { calcIssueLabeledPayload } from "../helpers/payloads.js";

/**
 * The process roles (README, "Scaling the intake and the runners"): `fixbot serve` (webhooks, inbox, hand-over
 * as an engine client; no actor) and `fixbot work` (the actors; no webhooks) against one external engine, and
 * the default single command, which runs the workflows in a worker process it supervises.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const AGENTS = join(ROOT, "fixtures", "agents");
const CALC = join(ROOT, "fixtures", "repos", "calc");
const OWNER = "acme";
const REPO = "calc";
/** The agent hangs on its first start (and records every start), fixes the bug on later ones. */
const SLOW_REPO = "calc-slow";
const FINAL = /fixbot fixed this issue|could not make the tests pass|made NO change|stopped with an error|was cancelled/;

let root: string;
let engine: ExternalEngine | undefined;
let fake: FakeGitHubServer;
let markerFile: string;
const remotes: Record<string, Awaited<ReturnType<typeof createBareRemote>>> = {};
const bots: BotProcess[] = [];
let failed = false;

function slowFirstAgent(marker: string): string {
  const m = JSON.stringify(marker);
  return `date +%s%3N >> ${m}; if [ "$(wc -l < ${m})" -le 1 ]; then sleep 300; exit 1; fi; exec ${JSON.stringify(join(AGENTS, "fix-calc.sh"))}`;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "fixbot-roles-"));
  await mkdir(join(root, "markers"), { mode: 0o777 });
  await chmod(join(root, "markers"), 0o777);
  markerFile = join(root, "markers", "agent-starts.txt");
  const [e, calc, slow] = await Promise.all([
    startExternalEngine({ dataDir: join(root, "engine") }),
    createBareRemote({ fixture: CALC }),
    createBareRemote({ fixture: CALC }),
  ]);
  engine = e;
  remotes[REPO] = calc;
  remotes[SLOW_REPO] = slow;
  fake = await startFakeGitHub({
    repos: {
      [REPO]: {
        owner: OWNER,
        roles: { alice: "write" },
        configYaml: `agent:\n  command: ${JSON.stringify(join(AGENTS, "fix-calc.sh"))}\n`,
      },
      [SLOW_REPO]: {
        owner: OWNER,
        roles: { alice: "write" },
        configYaml: `agent:\n  command: ${JSON.stringify(slowFirstAgent(markerFile))}\n`,
      },
    },
  });
});

afterAll(async () => {
  for (const bot of bots) await bot.kill("SIGKILL", { descendants: true });
  await engine?.stop();
  await fake?.stop();
  for (const remote of Object.values(remotes)) await remote.cleanup();
  if (!root) return;
  await stopEngine(join(root, "all"));
  expect(await enginesUsing(root), "rivet-engine processes left on this file's directories").toEqual([]);
  if (failed) console.error(`kept the roles test directory (logs under */logs): ${root}`);
  else await rm(root, { recursive: true, force: true });
});

function diagnoseOnFailure(): void {
  onTestFailed(async () => {
    failed = true;
    for (const bot of bots)
      console.error(`${bot.env.FIXBOT_ROLE ?? "all"} (pid ${bot.pid}) log tail (${bot.logFile}):\n${await bot.logTail(40)}`);
    console.error(`fake GitHub requests: ${JSON.stringify(fake.state.requests.map((r) => `${r.method} ${r.path} ${r.status}`))}`);
  });
}

const split = () => ({ RIVET_ENDPOINT: engine!.endpoint, RIVET_RUN_SERVICES: "0", FIXBOT_SANDBOX_RW_PATHS: join(root, "markers") });

/** A process of one role on the shared data directory (one machine); the worker answers only /healthz, /readyz. */
async function startRole(role: "serve" | "work"): Promise<BotProcess> {
  const bot = await startReadyBot(
    { fakeGitHub: fake, dataDir: join(root, "data"), env: { ...split(), FIXBOT_ROLE: role } },
    { readyTimeoutMs: 60_000 },
  );
  bots.push(bot);
  return bot;
}

const labeled = (repo: string, number: number) => calcIssueLabeledPayload({ owner: OWNER, repo, number, cloneUrl: remotes[repo]!.url });
const tracking = (repo: string, issue: number) => fake.commentsOn(repo, issue).filter((c) => c.body.includes("fixbot:tracking"));
const pulls = (repo: string, issue: number) =>
  fake.state.pulls.filter((p) => p.repo === `${OWNER}/${repo}` && p.head === `fixbot/issue-${issue}`);

async function expectFixedOnce(repo: string, issue: number): Promise<void> {
  await fake.waitFor(
    () => tracking(repo, issue).some((c) => FINAL.test(c.body)),
    180_000,
    `the final tracking comment on ${repo}#${issue}`,
  );
  expect(tracking(repo, issue), "one tracking comment").toHaveLength(1);
  expect(tracking(repo, issue)[0]!.body).toContain("fixbot fixed this issue");
  expect(pulls(repo, issue), "one pull request").toHaveLength(1);
}

async function readyz(bot: BotProcess): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${bot.url}/readyz`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const logSays = async (bot: BotProcess, msg: string, deliveryId?: string) =>
  (await bot.log()).split("\n").some((line) => line.includes(`"msg":"${msg}"`) && (!deliveryId || line.includes(deliveryId)));

describe("fixbot serve and fixbot work against one engine", () => {
  let worker: BotProcess;
  let intake: BotProcess;

  it("a label delivery accepted by `serve` is run by `work`; the intake runs no actor", async () => {
    diagnoseOnFailure();
    worker = await startRole("work");
    intake = await startRole("serve");
    const id = `roles-1-${randomUUID()}`;
    expect((await intake.sendWebhook("issues", labeled(REPO, 1), id)).status).toBeLessThan(300);
    await expectFixedOnce(REPO, 1);
    expect(await logSays(worker, "run finished", id), "the worker ran it").toBe(true);
    expect(await logSays(intake, "run finished", id), "the intake did not").toBe(false);
    expect(await readyz(intake)).toEqual({ status: 200, body: { status: "ready", engine: "ok", webhooks: "accepting", worker: "ok" } });
    expect(await readyz(worker), "a worker answers /readyz on its PORT").toEqual({
      status: 200,
      body: { status: "ready", engine: "ok", webhooks: "accepting" },
    });
  }, 240_000);

  it("with the worker killed (SIGKILL) the intake keeps answering and says unhealthy; the work resumes on the next worker", async () => {
    diagnoseOnFailure();
    const slowId = `roles-2-${randomUUID()}`;
    expect((await intake.sendWebhook("issues", labeled(SLOW_REPO, 2), slowId)).status).toBeLessThan(300);
    await waitUntil(
      async () => (await readFile(markerFile, "utf8").catch(() => "")).trim().length > 0,
      120_000,
      "the slow agent's first start",
    );
    await worker.kill("SIGKILL", { descendants: true });
    // The intake answers and records deliveries with no runner at all.
    const id = `roles-3-${randomUUID()}`;
    const ack = await intake.sendWebhook("issues", labeled(REPO, 3), id);
    expect(ack.status).toBeLessThan(300);
    await waitUntil(async () => (await readyz(intake)).status === 503, 30_000, "the intake's /readyz to say the worker is down");
    expect((await readyz(intake)).body).toMatchObject({ engine: "ok", webhooks: "accepting", worker: "down" });
    worker = await startRole("work");
    await expectFixedOnce(SLOW_REPO, 2);
    await expectFixedOnce(REPO, 3);
    expect((await readFile(markerFile, "utf8")).trim().split("\n"), "the interrupted agent ran again, once").toHaveLength(2);
    expect(await logSays(worker, "run finished", id)).toBe(true);
    expect((await readyz(intake)).status).toBe(200);
  }, 300_000);
});

describe("the default single command", () => {
  it("runs the workflows in a worker process it restarts when it dies, on one embedded engine; the worker dies with a SIGKILLed bot; SIGTERM stops both and the engine", async () => {
    diagnoseOnFailure();
    const dataDir = join(root, "all");
    const bot = await startReadyBot({ fakeGitHub: fake, dataDir }, { readyTimeoutMs: 90_000 });
    bots.push(bot);
    const engines = await enginesUsing(dataDir);
    expect(engines, "one embedded engine").toHaveLength(1);
    // The worker the supervisor last reported ready (a process listing could also catch one of the intake's own
    // children between fork and exec, which still shows the intake's command line).
    const workerPid = async () => {
      const ready = (await bot.log())
        .split("\n")
        .filter((line) => line.includes('"msg":"worker process ready"'))
        .map((line) => Number(/"workerPid":(\d+)/.exec(line)?.[1]))
        .at(-1);
      return ready && (await isAlive(ready)) ? ready : undefined;
    };
    const first = await workerPid();
    expect(first, "a worker process under the bot").toBeDefined();
    const nice = async (pid: number) => Number((await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]!.split(" ")[16]);
    expect(await nice(first!), "the worker runs at FIXBOT_WORKER_NICE's default").toBe(10);
    expect(await nice(bot.pid), "the intake at normal priority").toBe(0);
    process.kill(first!, "SIGKILL");
    await waitUntil(
      async () => (await workerPid()) !== undefined && (await workerPid()) !== first && (await readyz(bot)).status === 200,
      60_000,
      "a new worker, ready",
    );
    expect(await logSays(bot, "the worker process died; starting it again (in-flight steps resume there)")).toBe(true);
    expect(await enginesUsing(dataDir), "the same engine, not a second one").toEqual(engines);
    const id = `roles-4-${randomUUID()}`;
    expect((await bot.sendWebhook("issues", labeled(REPO, 4), id)).status).toBeLessThan(300);
    await expectFixedOnce(REPO, 4);
    // A SIGKILLed bot takes its worker with it (no orphan keeps running the workflows); the engine stays for the next start.
    const second = (await workerPid())!;
    await bot.kill("SIGKILL", { descendants: false, freeze: false });
    await waitUntil(async () => !(await isAlive(second)), 5_000, "the worker to die with its SIGKILLed bot");
    expect(await enginesUsing(dataDir), "the engine left for the next start").toEqual(engines);
    const again = await startReadyBot({ fakeGitHub: fake, dataDir, enginePort: bot.enginePort }, { readyTimeoutMs: 90_000 });
    bots.push(again);
    const third = (await descendantsOf(again.pid))[0];
    expect(third, "the restarted bot's worker").toBeDefined();
    process.kill(again.pid, "SIGTERM");
    expect(await again.exited, "exit code after SIGTERM").toBe(0);
    expect(await isAlive(third!), "the worker stopped with the bot").toBe(false);
    expect(await enginesUsing(dataDir), "the embedded engine stopped with the bot").toEqual([]);
  }, 300_000);
});
