import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey } from "../helpers/app-key.js";
import { freePort, signWebhook, stopEngine, TEST_WEBHOOK_SECRET, WEBHOOK_PATH } from "../helpers/bot-process.js";
import { isolateEngineEnv } from "../helpers/engine-env.js";
import { startFakeGitHub, type FakeGitHubServer } from "../helpers/fake-github-server.js";
import { issuesLabeledPayload } from "../helpers/payloads.js";

/**
 * One bot started from a directory with a .env, as an operator runs it: the environment wins over .env, .env
 * fills what the environment lacks; Probot's logger is the only one (LOG_FORMAT, LOG_LEVEL_IN_STRING); with
 * SENTRY_DSN set, a run that stops with an error reaches Sentry (a local fake endpoint receiving envelopes).
 */

const ROOT = join(import.meta.dirname, "..", "..");
const TSX = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "esm", "index.mjs")).href;
const OWNER = "acme";
const REPO = "calc-env";

let root: string;
let dataDir: string;
let fake: FakeGitHubServer;
let sentry: Server;
const envelopes: string[] = [];
let bot: ChildProcess | undefined;
let output = "";
let port: number;
let dotEnvPort: number;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "fixbot-env-"));
  dataDir = join(root, "data");
  fake = await startFakeGitHub({
    repos: { [REPO]: { owner: OWNER, roles: { alice: "write" }, configYaml: 'label: fixbot\nagent:\n  command: "true"\n' } },
  });
  sentry = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      if (req.method === "POST" && /^\/api\/42\/envelope\/?/.test(req.url ?? "")) envelopes.push(body);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => sentry.listen(0, "127.0.0.1", resolve));
  port = await freePort();
  dotEnvPort = await freePort();
  // The operator's .env: a PORT the environment overrides, and the webhook secret only .env gives.
  await writeFile(join(root, ".env"), `PORT=${dotEnvPort}\nWEBHOOK_SECRET=${TEST_WEBHOOK_SECRET}\nLOG_LEVEL=debug\n`);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: root };
  isolateEngineEnv(env);
  Object.assign(env, {
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    LOG_FORMAT: "json",
    LOG_LEVEL_IN_STRING: "true",
    SENTRY_DSN: `http://publickey@127.0.0.1:${(sentry.address() as AddressInfo).port}/42`,
    APP_ID: "1",
    PRIVATE_KEY: generatePrivateKey(),
    GHE_HOST: fake.host,
    GHE_PROTOCOL: "http",
    FIXBOT_DATA_DIR: dataDir,
    FIXBOT_GITHUB_THROTTLE: "off",
    NODE_ENV: "test",
  });
  bot = spawn(process.execPath, ["--import", TSX, join(ROOT, "src", "server.ts")], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  bot.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  bot.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 90_000;
  while (
    !(await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline || bot.exitCode !== null) throw new Error(`the bot did not get ready; output:\n${output.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 120_000);

afterAll(async () => {
  bot?.kill("SIGKILL");
  if (dataDir) await stopEngine(dataDir);
  await fake?.stop();
  sentry?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

async function send(payload: object, to = port): Promise<number> {
  const body = JSON.stringify(payload);
  const res = await fetch(`http://127.0.0.1:${to}${WEBHOOK_PATH}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "issues",
      "x-github-delivery": crypto.randomUUID(),
      "x-hub-signature-256": signWebhook(body),
    },
    body,
  }).catch(() => undefined);
  return res?.status ?? 0;
}

describe("environment, .env and logging", () => {
  it("the environment wins over .env (PORT, LOG_LEVEL); .env fills what the environment lacks (WEBHOOK_SECRET)", async () => {
    expect(
      await fetch(`http://127.0.0.1:${dotEnvPort}/healthz`).then(
        (r) => r.status,
        () => 0,
      ),
    ).toBe(0);
    const payload = issuesLabeledPayload({ owner: OWNER, repo: REPO, number: 1, label: "not-fixbot", senderLogin: "alice" });
    expect(await send(payload)).toBeLessThan(300);
    expect(output).not.toContain('"level":"debug"');
  });

  it("one logger, Probot's: JSON lines with the level as a string, fixbot's and Probot's alike", () => {
    const lines = output.split("\n").filter((l) => l.startsWith("{"));
    expect(lines.length).toBeGreaterThan(0);
    const parsed = lines.map((l) => JSON.parse(l) as { level: unknown; msg?: string });
    expect(parsed.every((l) => typeof l.level === "string")).toBe(true);
    expect(parsed.some((l) => l.msg === "fixbot started")).toBe(true);
    expect(parsed.some((l) => /Listening on/.test(l.msg ?? ""))).toBe(true);
  });

  it("with SENTRY_DSN, a run that stops with an error reaches Sentry", async () => {
    // A clone URL no git can reach: the run stops with an error at clone-repo.
    const payload = issuesLabeledPayload({
      owner: OWNER,
      repo: REPO,
      number: 2,
      label: "fixbot",
      senderLogin: "alice",
      cloneUrl: `file://${join(root, "no-such-remote.git")}`,
    });
    expect(await send(payload)).toBeLessThan(300);
    const deadline = Date.now() + 120_000;
    while (!envelopes.some((e) => e.includes("run finished")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(
      envelopes.find((e) => e.includes("run finished")),
      output.slice(-3000),
    ).toBeDefined();
  }, 150_000);
});
