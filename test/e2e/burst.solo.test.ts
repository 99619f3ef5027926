import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BotProcess, startReadyBot, stopBotAndEngine } from "../helpers/bot-process.js";
import { startFakeGitHub, type FakeGitHubServer } from "../helpers/fake-github-server.js";
import { issuesLabeledPayload } from "../helpers/payloads.js";

/**
 * A burst of work queued on several actors at once, run to the end by one real bot process. Every delivery is a
 * label other than the configured one, so each job ends at check-request ("ignored") after reading the repo's
 * config once: the config reads the fake served count the jobs that ran. The intake's relevance filter is off
 * (FIXBOT_RELEVANCE_FILTER), or it would settle these deliveries before any actor.
 *
 * This caught a stall: each actor's backup cron (every 5 s) started one more wake-up tick chain, an actor busy
 * for a minute ended up with dozens of alarms a second, and every actor stopped answering after 9–16 jobs
 * (src/actors/wake.ts `startsNextTick`). Without that check this test stopped at 293 of 400 jobs (300 s); with it,
 * all 400 ran in 55 s here.
 */

const OWNER = "acme";
const REPO = "calc-burst";
const ISSUES = 10;
const JOBS_PER_ISSUE = 40;
const TOTAL = ISSUES * JOBS_PER_ISSUE;
/** Liveness, not speed: generous for a loaded 2-core machine (about 5 jobs a second run here). */
const ALL_RUN_WITHIN_MS = 300_000;

let root: string;
let dataDir: string;
let fake: FakeGitHubServer;
let bot: BotProcess | undefined;

const configReads = () =>
  fake.state.requests.filter(
    (r) => r.method === "GET" && r.path.startsWith(`/repos/${OWNER}/${REPO}/contents/`) && r.path.includes("fixbot.yml"),
  ).length;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "fixbot-burst-"));
  dataDir = join(root, "data");
  fake = await startFakeGitHub({ repos: { [REPO]: { owner: OWNER, roles: { alice: "write" }, configYaml: "label: fixbot\n" } } });
  // The jobs must reach their actors: without the intake's relevance filter (it would settle the other label).
  bot = await startReadyBot({ fakeGitHub: fake, dataDir, env: { FIXBOT_RELEVANCE_FILTER: "off" } }, { readyTimeoutMs: 60_000 });
});

afterAll(async () => {
  await stopBotAndEngine({ bot, dataDir, fake });
  if (root) await rm(root, { recursive: true, force: true });
});

describe("a burst of queued jobs on many actors", () => {
  it(
    `${ISSUES} issues x ${JOBS_PER_ISSUE} deliveries: every job runs, none twice, and the actors still answer`,
    async () => {
      for (let i = 0; i < TOTAL; i++) {
        const payload = issuesLabeledPayload({
          owner: OWNER,
          repo: REPO,
          number: 1 + (i % ISSUES),
          label: "triage-me",
          senderLogin: "alice",
        });
        const ack = await bot!.sendWebhook("issues", payload, `burst-${i}`);
        expect(ack.status, ack.body).toBeLessThan(300);
      }
      const started = Date.now();
      let reads = 0;
      while ((reads = configReads()) < TOTAL && Date.now() - started < ALL_RUN_WITHIN_MS) await new Promise((r) => setTimeout(r, 1_000));
      const finished = (await bot!.log()).split("\n").filter((l) => l.includes('"run finished"'));
      expect({ configReads: reads, runsFinished: finished.length }).toEqual({ configReads: TOTAL, runsFinished: TOTAL });
      // One run per delivery: no delivery ran twice.
      const deliveries = new Set(finished.map((l) => /"deliveryId":"([^"]+)"/.exec(l)?.[1]));
      expect(deliveries.size).toBe(TOTAL);
    },
    ALL_RUN_WITHIN_MS + 60_000,
  );
});
