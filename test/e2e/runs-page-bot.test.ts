import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { type BotProcess, startReadyBot, stopBotAndEngine } from "../helpers/bot-process.js";
import { openSession, SESSION_COOKIE } from "../../src/runs/session.js";
import { startFakeGitHub, type FakeGitHubServer } from "../helpers/fake-github-server.js";
import { createBareRemote } from "../helpers/git-remote.js";
import { calcIssueLabeledPayload } from "../helpers/payloads.js";
import { launchChromium, listedRuns, screenshot, shownSteps, signInThroughGitHub } from "../helpers/runs-page-browser.js";
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
/** The one host directory the held agent may touch: it says "started" there and waits for "release". */
let signals: string;
const remotes: Array<Awaited<ReturnType<typeof createBareRemote>>> = [];

const ROOT = join(import.meta.dirname, "..", "..");
const AGENTS = join(ROOT, "fixtures", "agents");
const agentConfig = (command: string, maxAttempts = 2) => `maxAttempts: ${maxAttempts}\nagent:\n  command: ${JSON.stringify(command)}\n`;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "fixbot-runs-page-bot-"));
  signals = await mkdtemp(join(tmpdir(), "fixbot-runs-page-signals-"));
  await chmod(signals, 0o777);
  fake = await startFakeGitHub({
    // alice writes acme/calc and acme/web and only reads acme/secret (USERS).
    repos: {
      calc: {
        owner: "acme",
        roles: { alice: "write" },
        configYaml: agentConfig(`${join(AGENTS, "fix-calc-when-released.sh")} ${signals}`),
      },
      web: { owner: "acme", roles: { alice: "write" }, configYaml: agentConfig(join(AGENTS, "never-fix.sh"), 1) },
      secret: { owner: "acme", roles: { alice: "write" }, configYaml: agentConfig(join(AGENTS, "fix-calc.sh")) },
    },
    oauth: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, users: USERS },
  });
  bot = await startReadyBot(
    {
      fakeGitHub: fake,
      dataDir,
      env: {
        GITHUB_CLIENT_ID: CLIENT_ID,
        GITHUB_CLIENT_SECRET: CLIENT_SECRET,
        FIXBOT_RUNS_TOKEN: RUNS_TOKEN,
        FIXBOT_METRICS_TOKEN: METRICS_TOKEN,
        FIXBOT_SANDBOX_RW_PATHS: signals,
      },
    },
    { readyTimeoutMs: 60_000 },
  );
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (signals) await writeFile(join(signals, "release"), "").catch(() => undefined);
  await stopBotAndEngine({ bot, dataDir, fake });
  for (const remote of remotes) await remote.cleanup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (signals) await rm(signals, { recursive: true, force: true });
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
    // Neither the session cookie nor the machine token (used by the test before) is in the bot's log.
    const logNow = await readFile(bot.logFile, "utf8");
    expect(logNow).not.toContain(cookie.value);
    expect(logNow).not.toContain(RUNS_TOKEN);
    expect(logNow).not.toContain(METRICS_TOKEN);
    await context.close();
  });

  it("lists real runs of different outcomes with their links, shows a run's steps, and follows a run in progress without a reload", async () => {
    onTestFailed(async () => console.error(`bot log tail:\n${await bot.logTail(80)}`));
    const label = async (repo: string) => {
      const remote = await createBareRemote({ fixture: join(ROOT, "fixtures", "repos", "calc") });
      remotes.push(remote);
      await bot.sendWebhook("issues", calcIssueLabeledPayload({ owner: "acme", repo, number: 1, cloneUrl: remote.url }));
    };
    const indexed = async (want: (runs: Array<{ repo: string; status: string }>) => boolean) => {
      const deadline = Date.now() + 150_000;
      for (;;) {
        const res = await fetch(`${bot.url}/api/runs`, { headers: { authorization: `Bearer ${RUNS_TOKEN}` } });
        const runs = res.status === 200 ? ((await res.json()) as { runs: Array<{ repo: string; status: string }> }).runs : [];
        if (want(runs)) return runs;
        if (Date.now() > deadline) throw new Error(`runs index: ${JSON.stringify(runs)}`);
        await new Promise((r) => setTimeout(r, 300));
      }
    };
    // A failed run (the agent never fixes it), a run in a repository alice only reads, then one held in its agent step.
    await label("web");
    await label("secret");
    await indexed(
      (runs) =>
        runs.some((r) => r.repo === "acme/web" && r.status === "failed") &&
        runs.some((r) => r.repo === "acme/secret" && r.status === "succeeded"),
    );
    await label("calc");
    await indexed((runs) => runs.some((r) => r.repo === "acme/calc" && r.status === "running"));

    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => (m.type() === "error" ? errors.push(m.text()) : undefined));
    fake.oauth!.signInAs("alice");
    await signInThroughGitHub(page, bot.url);
    await page.locator("#live-state", { hasText: "live" }).waitFor();
    const listed = await listedRuns(page);
    // Newest first; acme/secret is not shown to someone who cannot write it.
    expect(listed.map((r) => [r.repo, r.status])).toEqual([
      ["acme/calc", "running"],
      ["acme/web", "failed"],
    ]);
    const web = listed[1]!;
    // The run's own page, the issue (as the webhook named it) and the tracking comment on it.
    expect(web.links[0]).toBe(`/runs/${web.id}`);
    expect(web.links).toContain("https://github.com/acme/web/issues/1");
    const trackingId = fake.state.comments.find((c) => c.repo === "acme/web" && c.body.includes("fixbot:tracking"))!.id;
    expect(web.links).toContain(`https://github.com/acme/web/issues/1#issuecomment-${trackingId}`);
    await screenshot(page, "bot-runs-in-progress");

    // A marker a reload would wipe out; then the held agent finishes and the row changes on its own.
    await page.evaluate(() => ((window as { __marker?: string }).__marker = "same page"));
    await writeFile(join(signals, "release"), "");
    await page.locator('tbody#live tr:first-child [data-status="succeeded"]').waitFor({ timeout: 150_000 });
    expect(await page.evaluate(() => (window as { __marker?: string }).__marker)).toBe("same page");
    const calc = (await listedRuns(page))[0]!;
    // Now also the pull request it opened.
    const pull = fake.state.pulls.find((p) => p.repo === "acme/calc")!;
    expect(calc.links.some((l) => l.endsWith(`/acme/calc/pull/${pull.number}`))).toBe(true);
    await screenshot(page, "bot-runs-done");

    // The run's own page: its steps in order, each done, and the test output's tail.
    await page.goto(`${bot.url}/runs/${encodeURIComponent(calc.id)}`);
    const steps = await shownSteps(page);
    expect(steps.map((s) => s.name)).toEqual(
      expect.arrayContaining(["check-request", "run-agent#1", "run-tests#1", "push-branch", "open-pull-request"]),
    );
    expect(steps.every((s) => s.status === "done")).toBe(true);
    expect(await page.textContent("section.test-tail pre")).toBeTruthy();
    await screenshot(page, "bot-run-steps");
    expect(errors).toEqual([]);
    await context.close();
  });
});
