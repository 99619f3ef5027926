import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { startReadyBot, stopBotAndEngine, type BotProcess } from "../helpers/bot-process.js";
import { startFakeGitHub, type FakeGitHubServer } from "../helpers/fake-github-server.js";
import { createBareRemote } from "../helpers/git-remote.js";
import { calcIssueLabeledPayload } from "../helpers/payloads.js";

const ROOT = join(import.meta.dirname, "..", "..");
const TOKEN = "smoke-token-".padEnd(32, "z");
let dataDir: string;
let remote: Awaited<ReturnType<typeof createBareRemote>>;
let fake: FakeGitHubServer;
let bot: BotProcess;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "fixbot-smoke-"));
  remote = await createBareRemote({ fixture: join(ROOT, "fixtures", "repos", "calc") });
  fake = await startFakeGitHub({
    repos: {
      calc: {
        owner: "acme",
        roles: { alice: "write" },
        configYaml: `agent:\n  command: ${JSON.stringify(join(ROOT, "fixtures/agents/fix-calc.sh"))}\n`,
      },
    },
  });
  bot = await startReadyBot({ fakeGitHub: fake, dataDir, env: { FIXBOT_RUNS_TOKEN: TOKEN } }, { readyTimeoutMs: 60_000 });
});
afterAll(async () => {
  await stopBotAndEngine({ bot, dataDir, fake });
  await remote.cleanup();
  await rm(dataDir, { recursive: true, force: true });
});

/** The intake's wiring (src/roles/intake.ts): the bot process serves the runs API its worker process feeds. */
it("the real bot serves GET /api/runs with FIXBOT_RUNS_TOKEN (401 without), fed by its worker process; the page's JSON and fixbot runs read it", async () => {
  expect((await fetch(`${bot.url}/api/runs`)).status).toBe(401);
  await bot.sendWebhook("issues", calcIssueLabeledPayload({ owner: "acme", repo: "calc", number: 1, cloneUrl: remote.url }));
  const deadline = Date.now() + 120_000;
  let body: { runs: Array<{ status: string; finishedAt?: number }> } = { runs: [] };
  for (;;) {
    const r = await fetch(`${bot.url}/api/runs`, { headers: { authorization: `Bearer ${TOKEN}` } });
    body = (await r.json()) as typeof body;
    if (r.status === 200 && body.runs[0]?.finishedAt) break;
    if (Date.now() > deadline) throw new Error(`${JSON.stringify(body)}\n${await bot.logTail(40)}`);
    await new Promise((res) => setTimeout(res, 500));
  }
  expect(body.runs.map((r) => r.status)).toEqual(["succeeded"]);
  // The runs page reads the same index (its JSON twin, with the machine token).
  const page = await fetch(`${bot.url}/runs.json`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(((await page.json()) as typeof body).runs.map((r) => r.status)).toEqual(["succeeded"]);
  const out: string[] = [];
  const io = { env: { FIXBOT_URL: bot.url, FIXBOT_RUNS_TOKEN: TOKEN }, stdout: (t: string) => void out.push(t), stderr: () => undefined };
  expect(await main({ ...io, argv: ["runs"] })).toBe(0);
  expect(out.join("")).toMatch(/\nacme\/calc\s+1\s+fix\s+succeeded\s+alice\s/);
});
