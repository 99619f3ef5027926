import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { enginesUsing, startReadyBot, stopEngine } from "../helpers/bot-process.js";
import { startFakeGitHub, type FakeGitHubServer } from "../helpers/fake-github-server.js";

/**
 * The embedded engine's lifetime: it stops with the bot (SIGTERM, see image-start.test.ts); a killed bot leaves
 * it running for the next start to reuse; and when its data directory is removed meanwhile, nothing will reuse
 * it, so it stops by itself (the launcher's watchdog) instead of running on.
 */

let fake: FakeGitHubServer | undefined;
const roots: string[] = [];

afterAll(async () => {
  for (const root of roots) {
    await stopEngine(join(root, "data"));
    await rm(root, { recursive: true, force: true });
  }
  await fake?.stop();
});

describe("the embedded engine", () => {
  it("outlives a killed bot, and stops by itself once its data directory is removed", async () => {
    const root = await mkdtemp(join(tmpdir(), "fixbot-engine-life-"));
    roots.push(root);
    const dataDir = join(root, "data");
    fake = await startFakeGitHub({ repos: {} });
    const bot = await startReadyBot({ fakeGitHub: fake, dataDir });
    const engines = await enginesUsing(dataDir);
    expect(engines).toHaveLength(1);
    await bot.kill("SIGKILL", { descendants: true });
    expect(await enginesUsing(dataDir), "a killed bot leaves its engine for the next start").toEqual(engines);
    await rm(dataDir, { recursive: true, force: true });
    const deadline = Date.now() + 30_000;
    let left = engines;
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      left = await enginesUsing(dataDir);
    }
    expect(left, "the engine stopped after its directory was removed").toEqual([]);
  }, 120_000);
});
