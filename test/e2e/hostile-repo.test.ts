import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { type BotProcess, engineLogTail, enginesUsing, startReadyBot, stopBotAndEngine } from "../helpers/bot-process.js";
import { startFakeGitHub, type FakeGitHubServer, type FakeServerComment } from "../helpers/fake-github-server.js";
import { createBareRemote, readRemoteFile } from "../helpers/git-remote.js";
import { calcIssueLabeledPayload } from "../helpers/payloads.js";

/**
 * A hostile repository through the real bot process: its agent and its tests try to read the App's key and
 * secrets, the data directory, other workspaces, the bot's working directory, the engine's and the bot's ports,
 * to write outside the workspace, to plant git traps (hooks, fsmonitor, insteadOf) for fixbot's own git, and to
 * take the machine down with a fork bomb and a disk filler. Every attempt must fail, the key must appear in no
 * GitHub write and no file of the bot, no trap may run, and both runs must still end with a final comment.
 */
const ROOT = join(import.meta.dirname, "..", "..");
const HOSTILE = join(ROOT, "fixtures", "hostile");
const AGENTS = join(ROOT, "fixtures", "agents");
const CALC = join(ROOT, "fixtures", "repos", "calc");
const OWNER = "acme";
const FINAL_HEADER = /fixbot fixed this issue|could not make the tests pass|made NO change|stopped with an error/;

let root: string;
let dataDir: string;
let outside: string;
let trap: string;
let fake: FakeGitHubServer;
let bot: BotProcess;
const remotes: Record<string, Awaited<ReturnType<typeof createBareRemote>>> = {};
let failed = false;

const q = (s: string) => JSON.stringify(s);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "fixbot-hostile-"));
  dataDir = join(root, "data");
  // A host directory anyone may write (mode 777): only the sandbox's walls keep the hostile code out of it.
  outside = join(root, "outside");
  await mkdir(outside);
  await chmod(outside, 0o777);
  trap = join(outside, "trap-ran");
  remotes.hostile = await createBareRemote({ fixture: CALC });
  remotes["hostile-tests"] = await createBareRemote({ fixture: CALC });
  fake = await startFakeGitHub({ repos: {} });
  try {
    bot = await startReadyBot(
      { fakeGitHub: fake, dataDir, env: { FIXBOT_SANDBOX_PROCESSES: "128", FIXBOT_SANDBOX_DISK_MB: "64" } },
      { readyTimeoutMs: 60_000, onRetry: (e) => console.warn(`bot start failed, retrying once: ${e.message}`) },
    );
  } catch (error) {
    failed = true;
    throw error;
  }
  const probeArgs = [dataDir, ROOT, String(bot.enginePort), String(bot.port), outside, trap].map(q).join(" ");
  fake.repos.hostile = {
    owner: OWNER,
    roles: { alice: "write" },
    configYaml: [
      `agent:`,
      `  command: ${q(`${join(HOSTILE, "agent.sh")} ${probeArgs}`)}`,
      `review:`,
      `  command: ${q(join(AGENTS, "review.sh"))}`,
      "",
    ].join("\n"),
  };
  fake.repos["hostile-tests"] = {
    owner: OWNER,
    roles: { alice: "write" },
    configYaml: [
      `maxAttempts: 1`,
      `testCommand: ${q(`${join(HOSTILE, "bomb-and-fill.sh")} ${probeArgs}`)}`,
      `agent:`,
      `  command: ${q(join(AGENTS, "fix-calc.sh"))}`,
      "",
    ].join("\n"),
  };
});

afterAll(async () => {
  await stopBotAndEngine({ bot, dataDir, fake });
  for (const r of Object.values(remotes)) await r.cleanup();
  if (dataDir) expect(await enginesUsing(dataDir)).toEqual([]);
  if (failed) console.error(`kept the hostile test's directory (bot logs under data/logs/): ${root}`);
  else if (root) await rm(root, { recursive: true, force: true });
});

function showDiagnosticsOnFailure(): void {
  onTestFailed(async () => {
    failed = true;
    console.error(
      [`bot log tail (${bot.logFile}):`, await bot.logTail(80), `engine log tail:\n${await engineLogTail(dataDir)}`].join("\n"),
    );
  });
}

const trackingOn = (repo: string) => (c: FakeServerComment) =>
  c.repo === `${OWNER}/${repo}` && c.issue === 1 && c.body.includes("fixbot:tracking");

async function label(repo: string): Promise<FakeServerComment> {
  const ack = await bot.sendWebhook("issues", calcIssueLabeledPayload({ owner: OWNER, repo, number: 1, cloneUrl: remotes[repo]!.url }));
  expect(ack.status, ack.body).toBeLessThan(300);
  await fake.waitFor(
    (s) => s.comments.some((c) => trackingOn(repo)(c) && FINAL_HEADER.test(c.body)),
    240_000,
    `the final tracking comment on ${repo}#1`,
  );
  return fake.state.comments.find(trackingOn(repo))!;
}

/** The probe lines of a run: every attempt is named, and none may say LEAK. */
function probes(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of text.matchAll(/^PROBE (\S+) (.*)$/gm)) found.set(m[1]!, m[2]!);
  return found;
}

/** Pieces of a secret that must appear nowhere: the raw text, a slice of its body, and its base64 forms. */
function secretForms(secret: string): string[] {
  const body = secret.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
  const slice = body.slice(100, 160);
  return [
    slice,
    Buffer.from(secret).toString("base64").slice(40, 100),
    Buffer.from(secret.split("\n").slice(1, 3).join("\n")).toString("base64").slice(8, 60),
  ].filter((s) => s.length >= 40);
}

function githubWrites(): string[] {
  return [
    ...fake.state.comments.flatMap((c) => c.versions),
    ...fake.state.pulls.flatMap((p) => [p.title, p.body]),
    ...fake.state.reviews.map((r) => r.body),
  ];
}

async function filesUnder(dir: string, skip: (path: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (skip(path)) continue;
    if (entry.isDirectory()) out.push(...(await filesUnder(path, skip)));
    else if (entry.isFile() && (await stat(path)).size < 4 * 1024 * 1024) out.push(path);
  }
  return out;
}

describe("a hostile repository, sandboxed, through the real bot", () => {
  it("a hostile agent reaches nothing of the bot; its git traps never run; the fix still lands, once", async () => {
    showDiagnosticsOnFailure();
    const comment = await label("hostile");
    expect(comment.body, comment.body).toContain("fixbot fixed this issue");

    const report = (await readRemoteFile(remotes.hostile!.dir, "fixbot/issue-1", "probe-agent.txt")) ?? "";
    const seen = probes(report);
    expect([...seen.keys()], report).toEqual(
      expect.arrayContaining([
        "environ",
        `read:${dataDir}`,
        `read:${join(ROOT, "package.json")}`,
        `loopback:${bot.enginePort}`,
        `proxy:${bot.port}`,
        "write-host",
        "write-usr",
        "git-traps",
      ]),
    );
    expect(
      [...seen.entries()].filter(([, result]) => result.startsWith("LEAK")),
      report,
    ).toEqual([]);
    expect(await readRemoteFile(remotes.hostile!.dir, "fixbot/issue-1", "src/calc.js")).toContain("a + b");
    // The traps stayed in the agent's tree: nothing of .git was committed, and fixbot's git never ran them.
    expect(await readRemoteFile(remotes.hostile!.dir, "fixbot/issue-1", ".git/config")).toBeUndefined();
    expect(existsSync(trap), "a git trap ran on the host").toBe(false);
    expect(existsSync(join(outside, "pwned"))).toBe(false);
    expect(fake.state.pulls.filter((p) => p.repo === `${OWNER}/hostile`)).toHaveLength(1);
  });

  it("hostile tests: the probes fail, the fork bomb and the disk filler end at the sandbox's limits, and the comment names them", async () => {
    showDiagnosticsOnFailure();
    const comment = await label("hostile-tests");
    expect(comment.body, comment.body).toContain("could not make the tests pass");
    expect(comment.body).toMatch(/disk limit \(64 MiB, FIXBOT_SANDBOX_DISK_MB\)|process limit \(128 processes/);
    expect(comment.body).not.toContain("the sandbox did not stop me");
    expect(comment.body).not.toMatch(/PROBE \S+ LEAK/);
    expect(existsSync(trap)).toBe(false);
    expect(existsSync(join(outside, "pwned"))).toBe(false);
    // The bot is unharmed.
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
  });

  it("the App's key and webhook secret appear in no GitHub write and no file of the bot's workspaces", async () => {
    showDiagnosticsOnFailure();
    const secrets = [bot.env.PRIVATE_KEY!, bot.env.WEBHOOK_SECRET!];
    const forms = secrets.flatMap((s) => (s.includes("PRIVATE KEY") ? secretForms(s) : [s]));
    expect(forms.length).toBeGreaterThanOrEqual(3);
    for (const text of githubWrites()) for (const form of forms) expect(text).not.toContain(form);
    const files = await filesUnder(
      dataDir,
      (p) => p.startsWith(join(dataDir, "engine")) || p.includes(`${join(dataDir, "logs")}`) || p.includes(".rivetkit"),
    );
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = await readFile(file, "latin1");
      for (const form of forms) expect(text.includes(form), `${file} holds a secret`).toBe(false);
    }
  });

  it("installation tokens are asked for one repository and only what each step needs", async () => {
    const scopes = fake.state.tokenScopes;
    expect(scopes.length).toBeGreaterThan(0);
    for (const s of scopes) {
      expect(s.repositories, JSON.stringify(s)).toHaveLength(1);
      expect(["hostile", "hostile-tests", ".github"]).toContain(s.repositories![0]);
      expect(s.permissions, JSON.stringify(s)).toBeDefined();
    }
    // The org-wide defaults (the org's `.github` repository) are only ever read.
    const orgScopes = scopes.filter((s) => s.repositories![0] === ".github");
    expect(orgScopes.length).toBeGreaterThan(0);
    for (const s of orgScopes) expect(s.permissions).toEqual({ contents: "read", metadata: "read" });
    const writers = scopes.filter((s) => s.permissions!.contents === "write");
    expect(writers.length).toBeGreaterThan(0);
    for (const w of writers) expect(Object.keys(w.permissions!).sort()).toEqual(["contents", "metadata"]);
    expect(scopes.some((s) => s.permissions!.contents === "read" && Object.keys(s.permissions!).length === 2)).toBe(true);
  });
});
