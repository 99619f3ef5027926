import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJournal } from "../../src/inbox/inbox-journal.js";
import { startBot, startReadyBot, type BotProcess } from "../helpers/bot-process.js";
import { startExternalEngine, type ExternalEngine } from "../helpers/external-engine.js";
import { startFakeGitHub, type FakeGitHubServer } from "../helpers/fake-github-server.js";
import { issuesLabeledPayload } from "../helpers/payloads.js";

/**
 * Replicas sharing one data directory (one compose volume) and one external engine, as docker-compose.yml
 * scales them. Each process journals its inbox under `inbox/<FIXBOT_REPLICA_ID>`: a replica that starts never
 * touches a peer's deliveries, and a replica restarted with its id hands on what it had accepted. A second
 * process with the same id is refused at start.
 */

const OWNER = "acme";
const REPO = "calc-replicas";
const DELIVERIES = 60;

let root: string;
let dataDir: string;
let engine: ExternalEngine;
let fake: FakeGitHubServer;
const bots: BotProcess[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "fixbot-replicas-"));
  dataDir = join(root, "shared-data");
  engine = await startExternalEngine({ dataDir: join(root, "engine") });
  fake = await startFakeGitHub({ repos: { [REPO]: { owner: OWNER, roles: { alice: "write" }, configYaml: "label: fixbot\n" } } });
});

afterAll(async () => {
  for (const bot of bots) await bot.kill("SIGKILL", { descendants: true });
  await engine?.stop();
  await fake?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

const envFor = (replica: string) => ({ RIVET_ENDPOINT: engine.endpoint, RIVET_RUN_SERVICES: "0", FIXBOT_REPLICA_ID: replica });

async function replica(id: string): Promise<BotProcess> {
  const bot = await startReadyBot({ fakeGitHub: fake, dataDir, env: envFor(id) }, { readyTimeoutMs: 90_000 });
  bots.push(bot);
  return bot;
}

/** Delivery ids of every "run finished" line in every log of the shared data directory. */
async function finishedDeliveries(): Promise<Set<string>> {
  const dir = join(dataDir, "logs");
  const ids = new Set<string>();
  for (const file of await readdir(dir)) {
    for (const line of (await readFile(join(dir, file), "utf8")).split("\n")) {
      if (!line.includes('"run finished"')) continue;
      const id = /"deliveryId":"([^"]+)"/.exec(line)?.[1];
      if (id) ids.add(id);
    }
  }
  return ids;
}

describe("two bots on one data directory", () => {
  it("a second process with the same replica id is refused at start with a message saying what to do", async () => {
    await replica("first");
    const second = await startBot({ fakeGitHub: { host: fake.host }, dataDir, env: envFor("first") });
    bots.push(second);
    expect(await second.exited).toBe(1);
    const log = await second.log();
    expect(log).toMatch(/inbox .*first is in use by fixbot process \d+/);
    expect(log).toContain("FIXBOT_REPLICA_ID");
  }, 180_000);

  it(`${DELIVERIES} deliveries accepted by a replica SIGKILLed at once are all run after a peer starts and the replica restarts`, async () => {
    const a = await replica("a");
    const sent: string[] = [];
    for (let i = 0; i < DELIVERIES; i++) {
      // The configured label from someone with read access only: each job reaches its actor (the intake's
      // relevance filter cannot know the sender's access) and ends there, ignored, without cloning anything.
      const payload = issuesLabeledPayload({ owner: OWNER, repo: REPO, number: 1 + (i % 5), label: "fixbot", senderLogin: "reader" });
      const ack = await a.sendWebhook("issues", payload, `replica-a-${i}`);
      expect(ack.status, ack.body).toBeLessThan(300);
      sent.push(ack.deliveryId);
    }
    await a.kill("SIGKILL", { descendants: true });
    const left = (await readJournal(join(dataDir, "inbox", "a"))).pending.length;
    // What makes the case: deliveries accepted (answered 2xx) and not yet handed to the engine when it died.
    expect(left, "deliveries still in the killed replica's journal").toBeGreaterThan(0);
    // A peer starting on the same directory (the old shared inbox removed every journal here).
    await replica("b");
    expect((await readJournal(join(dataDir, "inbox", "a"))).pending.length, "a peer's start leaves this replica's journal alone").toBe(
      left,
    );
    await replica("a");
    const deadline = Date.now() + 180_000;
    let done = await finishedDeliveries();
    while (sent.some((id) => !done.has(id)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      done = await finishedDeliveries();
    }
    expect(
      sent.filter((id) => !done.has(id)),
      `not run (${left} were still in the killed replica's journal)`,
    ).toEqual([]);
  }, 400_000);
});
