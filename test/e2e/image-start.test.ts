import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chown, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINE_TOKEN_FILE } from "../../src/runtime/engine-token.js";
import { generatePrivateKey } from "../helpers/app-key.js";
import { enginesUsing, freePort, signWebhook, stopEngine, TEST_WEBHOOK_SECRET, WEBHOOK_PATH } from "../helpers/bot-process.js";
import { readImageStart, type ImageStart } from "../helpers/dockerfile.js";
import { isolateEngineEnv } from "../helpers/engine-env.js";
import { healthy, startExternalEngine } from "../helpers/external-engine.js";
import { startFakeGitHub, type FakeGitHubServer } from "../helpers/fake-github-server.js";
import { issuesLabeledPayload, loadExample } from "../helpers/payloads.js";

/**
 * The bot started exactly as the image starts it: the Dockerfile's ENV, USER (uid) and CMD, read from the
 * Dockerfile (WORKDIR is this checkout). Only the volume (FIXBOT_DATA_DIR), the published port (PORT) and the
 * operator's settings (the App's credentials, GitHub's address, the engine) are this test's. It is reached on
 * 127.0.0.2, which only a process listening on all interfaces answers, as a published container port would be.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const OWNER = "acme";
const REPO = "calc-image";
const OTHER_LOOPBACK = "127.0.0.2";
/** Only root may start a process as another uid (CI runs as root); otherwise the bot runs as this user. */
const AS_IMAGE_USER = process.getuid?.() === 0;

let image: ImageStart;
let fake: FakeGitHubServer;
let root: string;
const children: ChildProcess[] = [];
const dataDirs: string[] = [];

beforeAll(async () => {
  image = await readImageStart(ROOT);
  root = await mkdtemp(join(tmpdir(), "fixbot-image-"));
  if (AS_IMAGE_USER) await chown(root, image.uid, image.uid);
  fake = await startFakeGitHub({ repos: { [REPO]: { owner: OWNER, roles: { alice: "write" }, configYaml: "label: fixbot\n" } } });
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of dataDirs) await stopEngine(dir);
  await fake?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  port: number;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  output: () => string;
  /** Exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals | null>;
}

async function startAsImage(extra: Record<string, string>): Promise<Started> {
  const port = await freePort();
  // The volume, owned by the image's uid as /data is.
  const dataDir = await mkdtemp(join(root, "data-"));
  if (AS_IMAGE_USER) await chown(dataDir, image.uid, image.uid);
  dataDirs.push(dataDir);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dataDir, TMPDIR: dataDir };
  isolateEngineEnv(env); // a random engine port block: other tests' engines run on this machine too
  delete env.RIVET_LOG_LEVEL;
  delete env.RUST_LOG;
  Object.assign(env, image.env, {
    FIXBOT_DATA_DIR: dataDir,
    PORT: String(port),
    APP_ID: "1",
    PRIVATE_KEY: generatePrivateKey(),
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    GHE_HOST: fake.host,
    GHE_PROTOCOL: "http",
    FIXBOT_GITHUB_THROTTLE: "off",
    ...extra,
  });
  const [program, ...args] = image.cmd;
  expect(program).toBe("node");
  const user = AS_IMAGE_USER ? { uid: image.uid, gid: image.uid } : {};
  const child = spawn(process.execPath, args, { cwd: ROOT, env, ...user, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  return { child, port, env, dataDir, output: () => output, exited };
}

async function waitReady(bot: Started, host: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void bot.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    const ok = await fetch(`http://${host}:${bot.port}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready on ${host}:${bot.port}${exited ? " (exited)" : ""}; output:\n${bot.output().slice(-4000)}`);
}

async function sendLabelWebhook(host: string, port: number, issue: number): Promise<number> {
  // The configured label from someone with read access only: the job reaches its actor, which reads the config
  // and ignores it (nothing is cloned).
  const payload = issuesLabeledPayload({ owner: OWNER, repo: REPO, number: issue, label: "fixbot", senderLogin: "reader" });
  const body = JSON.stringify(payload);
  const res = await fetch(`http://${host}:${port}${WEBHOOK_PATH}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "issues",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": signWebhook(body),
    },
    body,
  });
  return res.status;
}

let nextComment = 9000;

/**
 * A slash command commented on issue `issue`: its actor reaches the issue's run actor through RivetKit's client
 * (the actor-to-actor calls an engine token must let through).
 */
async function sendCommand(host: string, port: number, issue: number, command: string): Promise<number> {
  const payload = loadExample("issue_comment", "created");
  payload.comment = {
    ...payload.comment,
    id: nextComment++,
    body: command,
    user: { ...payload.comment.user, login: "alice", type: "User" },
  };
  payload.sender = { ...payload.sender, login: "alice", type: "User" };
  payload.issue = { ...payload.issue, number: issue, title: `issue ${issue}`, body: "", state: "open" };
  delete payload.issue.pull_request;
  payload.repository = {
    ...payload.repository,
    name: REPO,
    full_name: `${OWNER}/${REPO}`,
    owner: { ...payload.repository.owner, login: OWNER },
  };
  payload.installation = { id: 1 };
  const body = JSON.stringify(payload);
  const res = await fetch(`http://${host}:${port}${WEBHOOK_PATH}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "issue_comment",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": signWebhook(body),
    },
    body,
  });
  return res.status;
}

/** `/fixbot status` answered on `issue`: the command actor read the run actor's runs. */
async function statusAnswered(host: string, port: number, issue: number): Promise<void> {
  expect(await sendCommand(host, port, issue, "/fixbot status")).toBeLessThan(300);
  await fake.waitFor(
    (s) => s.comments.some((c) => c.issue === issue && c.body.includes("fixbot has not run here yet")),
    60_000,
    `the status reply on #${issue}`,
  );
}

/** `/fixbot fix` on `issue` starts a run there: the command actor enqueued it on the run actor. */
async function fixStarted(host: string, port: number, issue: number): Promise<void> {
  expect(await sendCommand(host, port, issue, "/fixbot fix")).toBeLessThan(300);
  await fake.waitFor(
    (s) => s.comments.some((c) => c.issue === issue && c.body.includes("fixbot:tracking")),
    60_000,
    `the run's tracking comment on #${issue}`,
  );
}

/** Jobs that ran: each reads the repository's config (an ignored label ends there). */
const configReads = () =>
  fake.state.requests.filter(
    (r) => r.method === "GET" && r.path.startsWith(`/repos/${OWNER}/${REPO}/contents/`) && r.path.includes("fixbot.yml"),
  ).length;

/** GET on the engine's actor list: what any local process could call. */
async function engineApiStatus(endpoint: string, token?: string): Promise<number> {
  const res = await fetch(`${endpoint}/actors?namespace=default&name=fixRun`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(5000),
  });
  return res.status;
}

async function healthCheck(port: number): Promise<number | null> {
  const child = spawn(process.execPath, [join(ROOT, "bin", "healthcheck.js")], {
    env: { PATH: process.env.PATH, PORT: String(port) },
    stdio: "ignore",
  });
  return new Promise((resolve) => child.once("exit", resolve));
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("the bot as the image starts it", () => {
  it("the image runs as a non-root uid, with NODE_ENV=production, listening on all interfaces", () => {
    expect(image.uid).toBeGreaterThan(0);
    expect(image.env.NODE_ENV).toBe("production");
    expect(image.env.HOST).toBe("0.0.0.0");
  });

  it("embedded engine: ready and taking signed webhooks on 127.0.0.2 as the image's uid; its API refuses clients without its token; SIGTERM stops bot and engine", async () => {
    const bot = await startAsImage({});
    await waitReady(bot, OTHER_LOOPBACK);
    if (AS_IMAGE_USER) expect(await readFile(`/proc/${bot.child.pid}/status`, "utf8")).toMatch(new RegExp(`^Uid:\\s+${image.uid}\\s`, "m"));
    expect(await healthCheck(bot.port)).toBe(0);
    const before = configReads();
    expect(await sendLabelWebhook(OTHER_LOOPBACK, bot.port, 1), bot.output().slice(-2000)).toBeLessThan(300);
    await fake.waitFor(() => configReads() > before, 60_000, "the job to run");
    // The embedded engine's API (127.0.0.1, any local process) refuses clients without its admin token, which
    // fixbot keeps in the engine's data directory for the bot's uid alone.
    const engineEndpoint = `http://127.0.0.1:${bot.env.RIVET_RUN_ENGINE_PORT}`;
    const tokenFile = join(bot.dataDir, "engine", ENGINE_TOKEN_FILE);
    const token = (await readFile(tokenFile, "utf8")).trim();
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect(await engineApiStatus(engineEndpoint)).toBe(403);
    expect(await engineApiStatus(engineEndpoint, "not-the-token")).toBe(403);
    expect(await engineApiStatus(engineEndpoint, token)).toBe(200);
    // Actor-to-actor calls with the token, under NODE_ENV=production (RivetKit's RIVET_RUN_ENGINE=1): a command
    // reads the run actor, and `fix` starts a run on it.
    await statusAnswered(OTHER_LOOPBACK, bot.port, 11);
    await fixStarted(OTHER_LOOPBACK, bot.port, 12);
    expect(bot.output()).not.toContain(token);
    bot.child.kill("SIGTERM");
    expect(await bot.exited).toBe(0);
    await until(async () => (await enginesUsing(bot.dataDir)).length === 0, 20_000, "the embedded engine to stop with the bot");
  }, 180_000);

  it("external engine with an admin token: a client without it is refused; the bot with RIVET_TOKEN takes webhooks, runs jobs and slash commands", async () => {
    const token = randomUUID();
    const engine = await startExternalEngine({ dataDir: join(root, "external-engine"), env: { RIVET__AUTH__ADMIN_TOKEN: token } });
    try {
      expect(await engineApiStatus(engine.endpoint)).toBe(403);
      expect(await engineApiStatus(engine.endpoint, "not-the-token")).toBe(403);
      const bot = await startAsImage({ RIVET_ENDPOINT: engine.endpoint, RIVET_TOKEN: token });
      await waitReady(bot, OTHER_LOOPBACK);
      const before = configReads();
      expect(await sendLabelWebhook(OTHER_LOOPBACK, bot.port, 2), bot.output().slice(-2000)).toBeLessThan(300);
      await fake.waitFor(() => configReads() > before, 60_000, "the job to run");
      // Actor-to-actor calls with the token: a command reads the run actor, and `fix` starts a run on it.
      await statusAnswered(OTHER_LOOPBACK, bot.port, 21);
      await fixStarted(OTHER_LOOPBACK, bot.port, 22);
      expect(bot.output()).not.toContain(token);
      bot.child.kill("SIGTERM");
      expect(await bot.exited).toBe(0);
      expect(await healthy(engine.endpoint), "a bot never stops an external engine").toBe(true);
    } finally {
      await engine.stop();
    }
  }, 180_000);

  it("the health check fails when the bot listens on 127.0.0.1 only (what a published port cannot reach); SIGINT stops bot and engine", async () => {
    const bot = await startAsImage({ HOST: "127.0.0.1" });
    await waitReady(bot, "127.0.0.1");
    expect(await healthCheck(bot.port)).toBe(1);
    // Ctrl-C (SIGINT) stops it as SIGTERM does: exit 0, the embedded engine with it.
    bot.child.kill("SIGINT");
    expect(await bot.exited).toBe(0);
    await until(async () => (await enginesUsing(bot.dataDir)).length === 0, 20_000, "the embedded engine to stop with the bot");
  }, 180_000);
});
