import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { readJournal } from "../../src/inbox/inbox-journal.js";
import { type BotProcess, startReadyBot, stopBotAndEngine } from "../helpers/bot-process.js";
import { startFakeGitHub, type FakeGitHubServer } from "../helpers/fake-github-server.js";
import { issuesLabeledPayload, loadExample } from "../helpers/payloads.js";
import { pullRequestPayload } from "../helpers/pr-payloads.js";

/**
 * The relevance filter in a real bot process (real engine, signed webhooks over HTTP, the fake GitHub): the
 * org's ordinary stream settles in the intake without any actor, a relevant delivery still runs, and a config
 * change counts from its push event on, although the cached config would still be fresh.
 */
const OWNER = "acme";
const REPO = "calc-intake";
const REPLICA = "relevance-e2e";
/** Never cloned by the settled deliveries; the relevant runs fail their clone fast (after the tracking comment). */
const CLONE_URL = "file:///nonexistent/fixbot-intake-relevance.git";

let root: string;
let dataDir: string;
let fake: FakeGitHubServer;
let bot: BotProcess | undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "fixbot-relevance-"));
  dataDir = join(root, "data");
  fake = await startFakeGitHub({ repos: { [REPO]: { owner: OWNER, roles: { alice: "write" }, configYaml: "label: fixbot\n" } } });
  bot = await startReadyBot(
    { fakeGitHub: fake, dataDir, env: { LOG_LEVEL: "debug", FIXBOT_REPLICA_ID: REPLICA } },
    { readyTimeoutMs: 60_000 },
  );
});

afterAll(async () => {
  await stopBotAndEngine({ bot, dataDir, fake });
  if (root) await rm(root, { recursive: true, force: true });
});

function showLogOnFailure(): void {
  onTestFailed(async () => {
    console.error(
      `bot log tail:\n${await bot?.logTail(80)}\nfake requests: ${JSON.stringify(fake.state.requests.map((r) => `${r.method} ${r.path} ${r.status}`).slice(-40))}`,
    );
  });
}

const labeled = (number: number, label: string) =>
  issuesLabeledPayload({ owner: OWNER, repo: REPO, number, label, senderLogin: "alice", cloneUrl: CLONE_URL, defaultBranch: "main" });

async function send(event: string, payload: object, id: string): Promise<void> {
  const ack = await bot!.sendWebhook(event, payload, id);
  expect(ack.status, ack.body).toBeLessThan(300);
}

/** Delivery ids the bot logged as settled at the intake (debug level, one line per delivery). */
async function settledIds(): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const line of (await bot!.log()).split("\n"))
    if (line.includes("webhook settled at the intake")) ids.add(/"deliveryId":"([^"]+)"/.exec(line)?.[1] ?? "");
  return ids;
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const trackingOn = (issue: number) => fake.commentsOn(REPO, issue).filter((c) => c.body.includes("fixbot:tracking"));
const configReads = () =>
  fake.state.requests.filter(
    (r) => r.path.startsWith(`/repos/${OWNER}/${REPO}/contents/`) || r.path.startsWith(`/repos/${OWNER}/.github/contents/`),
  ).length;

describe("relevance before any actor, in the real bot", () => {
  it("irrelevant deliveries settle without an actor; a relevant one right after still runs", async () => {
    showLogOnFailure();
    const irrelevant: string[] = [];
    for (let i = 0; i < 100; i++) {
      const id = `other-label-${i}`;
      irrelevant.push(id);
      await send("issues", labeled(1 + (i % 10), "triage-me"), id);
    }
    // No review agent configured: automatic review cannot run, so pull request events settle too.
    for (let i = 0; i < 10; i++) {
      const id = `pr-${i}`;
      irrelevant.push(id);
      await send(
        "pull_request",
        pullRequestPayload({
          action: "opened",
          owner: OWNER,
          repo: REPO,
          number: 20 + i,
          headSha: `${i}`.repeat(40).slice(0, 40),
          cloneUrl: CLONE_URL,
        }),
        id,
      );
    }
    await waitUntil("every irrelevant delivery settled", async () => (await settledIds()).size >= irrelevant.length);
    expect([...(await settledIds())].sort()).toEqual([...irrelevant].sort());
    expect((await readJournal(join(dataDir, "inbox", REPLICA))).pending).toEqual([]);
    const readsForIrrelevant = configReads();

    await send("issues", labeled(50, "fixbot"), "relevant-50");
    await fake.waitFor(() => trackingOn(50).length > 0, 90_000, "the tracking comment of the relevant run on #50");

    // No actor ran for the settled ones: no hand-over of them, no run, no comment, and no per-delivery config read:
    // the intake read the repo's file and the org defaults once, then used its cache.
    const log = await bot!.log();
    const actorLines = log.split("\n").filter((l) => l.includes("webhooks handed to their actor") || l.includes('"run finished"'));
    expect(actorLines.filter((l) => irrelevant.some((id) => l.includes(`"${id}"`)))).toEqual([]);
    expect(actorLines.some((l) => l.includes('"relevant-50"'))).toBe(true);
    expect(fake.state.comments.filter((c) => c.issue !== 50)).toEqual([]);
    expect(readsForIrrelevant).toBe(2);
  }, 150_000);

  it("a config change takes effect at once after its push event", async () => {
    showLogOnFailure();
    fake.repos[REPO]!.configYaml = "label: ready-for-bot\n";
    // Before the push: the cached config (fresh for 5 min) still names `fixbot`, so the new label is settled.
    await send("issues", labeled(60, "ready-for-bot"), "before-push-60");
    await waitUntil("the delivery before the push settled", async () => (await settledIds()).has("before-push-60"));

    const push = loadExample("push", undefined as unknown as string);
    Object.assign(push.repository, { name: REPO, full_name: `${OWNER}/${REPO}`, default_branch: "main" });
    push.repository.owner.login = OWNER;
    Object.assign(push, {
      ref: "refs/heads/main",
      forced: false,
      created: false,
      deleted: false,
      installation: { id: 1 },
      commits: [{ ...push.commits?.[0], added: [], removed: [], modified: [".github/fixbot.yml"] }],
    });
    await send("push", push, "config-push");

    await send("issues", labeled(61, "ready-for-bot"), "after-push-61");
    await fake.waitFor(() => trackingOn(61).length > 0, 90_000, "the tracking comment of the run the new label started on #61");
    expect((await settledIds()).has("after-push-61")).toBe(false);
    expect(trackingOn(60)).toEqual([]);
  }, 150_000);
});
