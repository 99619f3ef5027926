import { chmod, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { type BotProcess, startReadyBot, stopBotAndEngine } from "../helpers/bot-process.js";
import { startFakeGitHub, type FakeGitHubServer } from "../helpers/fake-github-server.js";
import { createBareRemote } from "../helpers/git-remote.js";
import { calcIssueLabeledPayload } from "../helpers/payloads.js";

/**
 * Workspace garbage collection in the real bot process: with a retention of 0 and a sweep every 6 s, a finished
 * run's workspace is removed, while a run whose agent is still working keeps its workspace through those sweeps;
 * once that run finishes, its workspace goes too.
 */
const ROOT = join(import.meta.dirname, "..", "..");
const AGENTS = join(ROOT, "fixtures", "agents");
const CALC = join(ROOT, "fixtures", "repos", "calc");
const OWNER = "acme";
const FINAL_HEADER = /fixbot fixed this issue|could not make the tests pass|made NO change|stopped with an error/;

let dataDir: string;
let signals: string;
let quickRemote: Awaited<ReturnType<typeof createBareRemote>>;
let slowRemote: Awaited<ReturnType<typeof createBareRemote>>;
let fake: FakeGitHubServer;
let bot: BotProcess;

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "fixbot-e2e-gc-"));
  signals = await mkdtemp(join(tmpdir(), "fixbot-e2e-gc-signals-"));
  // The one host directory the sandboxed agent may write besides its workspace.
  await chmod(signals, 0o777);
  quickRemote = await createBareRemote({ fixture: CALC });
  slowRemote = await createBareRemote({ fixture: CALC });
  const config = (command: string) => [`agent:`, `  command: ${JSON.stringify(command)}`, ""].join("\n");
  fake = await startFakeGitHub({
    repos: {
      quick: { owner: OWNER, roles: { alice: "write" }, configYaml: config(join(AGENTS, "fix-calc.sh")) },
      slow: { owner: OWNER, roles: { alice: "write" }, configYaml: config(`${join(AGENTS, "fix-calc-when-released.sh")} ${signals}`) },
    },
  });
  bot = await startReadyBot(
    {
      fakeGitHub: fake,
      dataDir,
      env: { FIXBOT_WORKSPACE_RETENTION_HOURS: "0", FIXBOT_GC_INTERVAL_MINUTES: "0.1", FIXBOT_SANDBOX_RW_PATHS: signals },
    },
    { readyTimeoutMs: 60_000, onRetry: (e) => console.warn(`bot start failed, retrying once: ${e.message}`) },
  );
});

afterAll(async () => {
  await stopBotAndEngine({ bot, dataDir, fake });
  await quickRemote?.cleanup();
  await slowRemote?.cleanup();
  await rm(signals, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

const finished = (repo: string) => (s: FakeGitHubServer["state"]) =>
  s.comments.some((c) => c.repo === `${OWNER}/${repo}` && c.body.includes("fixbot:tracking") && FINAL_HEADER.test(c.body));

describe("workspace garbage collection in the bot process", () => {
  it("a finished run's workspace is removed after the retention period; a running one's never is", async () => {
    onTestFailed(async () => console.error(`bot log tail:\n${await bot.logTail(60)}`));
    const slowWorkspace = join(dataDir, "workspaces", OWNER, "slow", "1");
    const quickWorkspace = join(dataDir, "workspaces", OWNER, "quick", "1");

    await bot.sendWebhook(
      "issues",
      calcIssueLabeledPayload({ owner: OWNER, repo: "slow", number: 1, cloneUrl: slowRemote.url }),
      "gc-slow-1",
    );
    await waitUntil(() => exists(join(signals, "started")), "the slow agent to start");

    await bot.sendWebhook(
      "issues",
      calcIssueLabeledPayload({ owner: OWNER, repo: "quick", number: 1, cloneUrl: quickRemote.url }),
      "gc-quick-1",
    );
    await fake.waitFor(finished("quick"), 90_000, "the quick run's final comment");
    // The quick workspace appeared after the slow agent started; the sweep that removes it runs while the slow
    // agent still works in its own workspace (it is not released yet).
    await waitUntil(async () => !(await exists(quickWorkspace)), "the finished workspace to be collected");
    expect(await exists(join(slowWorkspace, "src", "calc.js"))).toBe(true);
    expect(await exists(join(dataDir, "git", OWNER, "slow", "1.git", "HEAD"))).toBe(true);
    await waitUntil(
      async () => !(await exists(join(dataDir, "git", OWNER, "quick", "1.git"))),
      "the finished run's clean repository to be collected",
    );
    // Logged once the sweep is done; the directories disappear first, so wait for the line rather than read at once.
    await waitUntil(async () => (await bot.log()).includes("workspace gc: removed unused directories"), "the sweep's log line");

    await writeFile(join(signals, "release"), "");
    await fake.waitFor(finished("slow"), 90_000, "the slow run's final comment");
    const slowComment = fake.state.comments.find((c) => c.repo === `${OWNER}/slow` && c.body.includes("fixbot:tracking"));
    expect(slowComment?.body).toContain("fixbot fixed this issue");
    await waitUntil(async () => !(await exists(slowWorkspace)), "the slow run's workspace to be collected once it finished");
  }, 240_000);
});
