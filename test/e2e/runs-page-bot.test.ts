import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { type BotProcess, startReadyBot, stopBotAndEngine } from "../helpers/bot-process.js";
import { openSession, SESSION_COOKIE } from "../../src/runs/session.js";
import { startFakeGitHub, type FakeGitHubServer } from "../helpers/fake-github-server.js";
import { launchChromium, listedRuns, screenshot, signInThroughGitHub } from "../helpers/runs-page-browser.js";
import { CLIENT_ID, CLIENT_SECRET, METRICS_TOKEN, RUNS_TOKEN, USERS } from "../helpers/runs-page-rig.js";

/**
 * The runs page as the real bot serves it from its intake (src/roles/intake.ts), signing in against the fake
 * GitHub it talks to (GitHub's web address taken from GHE_HOST). No run is started here, so the runs index lists
 * none: this checks the wiring, sign-in and refusals; test/e2e/runs-page.test.ts the rest, test/e2e/runs-api.test.ts
 * a run listed by the real bot.
 */
let dataDir: string;
let fake: FakeGitHubServer;
let bot: BotProcess;
let browser: Browser;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "fixbot-runs-page-bot-"));
  fake = await startFakeGitHub({ repos: {}, oauth: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, users: USERS } });
  bot = await startReadyBot(
    {
      fakeGitHub: fake,
      dataDir,
      env: {
        GITHUB_CLIENT_ID: CLIENT_ID,
        GITHUB_CLIENT_SECRET: CLIENT_SECRET,
        FIXBOT_RUNS_TOKEN: RUNS_TOKEN,
        FIXBOT_METRICS_TOKEN: METRICS_TOKEN,
      },
    },
    { readyTimeoutMs: 60_000 },
  );
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stopBotAndEngine({ bot, dataDir, fake });
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("runs page on the real bot", () => {
  it("refuses without sign-in (302 to GitHub's authorize with the App's client id and <bot>/runs/auth/callback; 401 for JSON and /metrics)", async () => {
    onTestFailed(async () => console.error(`bot log tail:\n${await bot.logTail(60)}`));
    const res = await fetch(`${bot.url}/runs`, { headers: { accept: "text/html" }, redirect: "manual" });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get("location")!);
    expect(`${to.origin}${to.pathname}`).toBe(`${fake.url}/login/oauth/authorize`);
    expect(to.searchParams.get("client_id")).toBe(CLIENT_ID);
    expect(to.searchParams.get("redirect_uri")).toBe(`${bot.url}/runs/auth/callback`);
    expect((await fetch(`${bot.url}/runs.json`)).status).toBe(401);
    expect((await fetch(`${bot.url}/metrics`)).status).toBe(401);
    const machine = await fetch(`${bot.url}/runs.json`, { headers: { authorization: `Bearer ${RUNS_TOKEN}` } });
    expect(machine.status).toBe(200);
    expect(((await machine.json()) as { runs: unknown[] }).runs).toEqual([]);
  });

  it("signs a person in through GitHub and shows the page; their GitHub token is not in the log or the cookie", async () => {
    onTestFailed(async () => console.error(`bot log tail:\n${await bot.logTail(60)}`));
    const context = await browser.newContext();
    const page = await context.newPage();
    fake.oauth!.signInAs("alice");
    await signInThroughGitHub(page, bot.url);
    expect(await page.textContent("header")).toContain("signed in as alice");
    expect(await listedRuns(page)).toEqual([]);
    await page.locator("#live-state", { hasText: "live" }).waitFor();
    await screenshot(page, "bot-list");
    const tokens = fake.oauth!.tokens;
    expect(tokens).toHaveLength(1);
    const log = await readFile(bot.logFile, "utf8");
    expect(log).toContain("runs page: signed in");
    for (const token of tokens) expect(log).not.toContain(token);
    // The session cookie, opened with the key the bot kept in its data dir: login, writable repositories, expiry; nothing else.
    const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE)!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/runs" });
    const key = Buffer.from((await readFile(join(dataDir, "runs-session.key"), "utf8")).trim());
    const session = openSession(cookie.value, key, Date.now());
    expect(Object.keys(session ?? {}).sort()).toEqual(["expiresAt", "login", "repos"]);
    expect(session).toMatchObject({ login: "alice", repos: ["acme/calc", "acme/web"] });
    await context.close();
  });
});
