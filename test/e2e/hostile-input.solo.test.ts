import { request } from "node:http";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { readDeadLetters } from "../../src/inbox/dead-letters.js";
import {
  type BotProcess,
  WEBHOOK_PATH,
  engineLogTail,
  enginePid,
  enginesUsing,
  isAlive,
  startReadyBot,
  stopBotAndEngine,
} from "../helpers/bot-process.js";
import { startFakeGitHub, type FakeGitHubServer } from "../helpers/fake-github-server.js";
import { createBareRemote } from "../helpers/git-remote.js";
import { calcIssueLabeledPayload, loadExample } from "../helpers/payloads.js";

// Issue #12 through the real bot process (one bot, one engine for the whole file; a solo file: nine actors are
// created at once, which next to other engine suites timed out): hostile comments, oversized
// issues, an oversized unsigned POST and an agent that tries to make fixbot's posts live.
const ROOT = join(import.meta.dirname, "..", "..");
const AGENTS = join(ROOT, "fixtures", "agents");
const CALC = join(ROOT, "fixtures", "repos", "calc");
const OWNER = "acme";
const FINAL_HEADER = /fixbot fixed this issue|could not make the tests pass|made NO change|stopped with an error/;
const agentConfig = (agent: string, reviewer: string) =>
  [
    `agent:`,
    `  command: ${JSON.stringify(join(AGENTS, agent))}`,
    `review:`,
    `  command: ${JSON.stringify(join(AGENTS, reviewer))}`,
    "",
  ].join("\n");

let dataDir: string;
let remote: Awaited<ReturnType<typeof createBareRemote>>;
let fake: FakeGitHubServer;
let bot: BotProcess;
let engine: number | undefined;
let failed = false;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "fixbot-hostile-"));
  remote = await createBareRemote({ fixture: CALC });
  fake = await startFakeGitHub({
    repos: {
      calc: { owner: OWNER, roles: { alice: "write" }, configYaml: agentConfig("fix-calc.sh", "review.sh") },
      "calc-hostile": { owner: OWNER, roles: { alice: "write" }, configYaml: agentConfig("fix-calc-hostile.sh", "review-hostile.sh") },
    },
  });
  bot = await startReadyBot(
    { fakeGitHub: fake, dataDir },
    { readyTimeoutMs: 60_000, onRetry: (e) => console.warn(`bot start failed, retrying once: ${e.message}`) },
  );
  engine = await enginePid(dataDir);
});

afterAll(async () => {
  await stopBotAndEngine({ bot, dataDir, fake });
  await remote?.cleanup();
  if (engine !== undefined) expect(await isAlive(engine), `engine pid ${engine} still running`).toBe(false);
  if (dataDir) expect(await enginesUsing(dataDir)).toEqual([]);
  if (dataDir && failed) console.error(`kept the bot's data directory (logs under logs/): ${dataDir}`);
  else if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function showDiagnosticsOnFailure(): void {
  onTestFailed(async () => {
    failed = true;
    console.error(
      [
        `bot log tail (${bot.logFile}):`,
        await bot.logTail(80),
        `unmatched: ${JSON.stringify(fake.state.unmatched)}`,
        `engine log tail:\n${await engineLogTail(dataDir)}`,
      ].join("\n"),
    );
  });
}

/** A real issue_comment.created payload on `repo`#`number`. */
function commentPayload(params: { repo?: string; number: number; body: string; sender?: string; issueBody?: string; commentId: number }) {
  const payload = loadExample("issue_comment", "created");
  const sender = params.sender ?? "alice";
  const repo = params.repo ?? "calc";
  payload.comment = {
    ...payload.comment,
    id: params.commentId,
    body: params.body,
    user: { ...payload.comment.user, login: sender, type: "User" },
  };
  payload.sender = { ...payload.sender, login: sender, type: "User" };
  payload.issue = { ...payload.issue, number: params.number, title: `issue ${params.number}`, body: params.issueBody ?? "", state: "open" };
  delete payload.issue.pull_request;
  payload.repository = {
    ...payload.repository,
    name: repo,
    full_name: `${OWNER}/${repo}`,
    owner: { ...payload.repository.owner, login: OWNER },
    clone_url: remote.url,
    default_branch: "main",
  };
  payload.installation = { id: 1 };
  return payload;
}

/** Resident memory of the bot process, in bytes (from /proc). */
async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** POSTs `totalBytes` of junk to the webhook path in 64 KiB chunks, unsigned; stops sending once answered. */
function postJunk(url: string, totalBytes: number, declareLength: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-github-event": "issues",
      "x-github-delivery": "junk",
      "x-hub-signature-256": "sha256=00",
    };
    if (declareLength) headers["content-length"] = String(totalBytes);
    const req = request(`${url}${WEBHOOK_PATH}`, { method: "POST", headers });
    let answered = false;
    req.on("response", (res) => {
      answered = true;
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", (error) => {
      if (!answered) resolve({ status: 0, body: error.message });
    });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (!answered && sent < totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

let nextComment = 70_000;

describe("hostile input through the real bot process", () => {
  it("a 64 KB comment of code spans and a 1 MB comment: /healthz and a normal command are answered, each comment gets the right result", async () => {
    showDiagnosticsOnFailure();
    // Parsed in full: the command word is there, after 16,000 one-line code spans; mallory may not use it.
    const spans = commentPayload({
      number: 31,
      body: `${"`a`\n".repeat(16_000)}\n/fixbot help`,
      sender: "mallory",
      commentId: nextComment++,
    });
    // 1 MB: the word only past the scanned prefix, so no command.
    const huge = commentPayload({ number: 32, body: `${"`a` <!-- x --> lorem\n".repeat(50_000)}\n/fixbot help`, commentId: nextComment++ });
    const hostile = [bot.sendWebhook("issue_comment", spans), bot.sendWebhook("issue_comment", huge)];
    const health = fetch(`${bot.url}/healthz`).then((r) => r.status);
    const normal = bot.sendWebhook("issue_comment", commentPayload({ number: 33, body: "/fixbot status", commentId: nextComment++ }));
    expect(await health).toBe(200);
    const normalAck = await normal;
    expect(normalAck.status, normalAck.body).toBe(200);
    for (const ack of await Promise.all(hostile)) expect(ack.status, ack.body).toBe(200);

    await fake.waitFor(
      (s) => s.comments.some((c) => c.issue === 33 && c.body.includes("fixbot has not run here yet")),
      90_000,
      "the status reply on #33",
    );
    await fake.waitFor(
      (s) => s.comments.some((c) => c.issue === 31 && c.body.includes("can only be used by people with write access")),
      90_000,
      "the denial on #31",
    );
    // A later command on #32 is answered, and nothing was ever posted there for the 1 MB comment.
    await bot.sendWebhook("issue_comment", commentPayload({ number: 32, body: "/fixbot status", commentId: nextComment++ }));
    await fake.waitFor(
      (s) => s.comments.some((c) => c.issue === 32 && c.body.includes("fixbot has not run here yet")),
      90_000,
      "the status reply on #32",
    );
    expect(fake.commentsOn("calc", 32)).toHaveLength(1);
  });

  it("eight issues with 30,000-character CJK bodies and a command each, then a label elsewhere: every command is answered, the run completes, nothing is dead", async () => {
    showDiagnosticsOnFailure();
    const cjk = "漢字仮名交じり文".repeat(3_750);
    expect(cjk.length).toBe(30_000);
    const acks = [];
    for (let n = 41; n <= 48; n++)
      acks.push(
        await bot.sendWebhook(
          "issue_comment",
          commentPayload({ number: n, body: "/fixbot help", issueBody: cjk, commentId: nextComment++ }),
        ),
      );
    for (const ack of acks) expect(ack.status, ack.body).toBe(200);
    const label = await bot.sendWebhook(
      "issues",
      calcIssueLabeledPayload({ owner: OWNER, repo: "calc", number: 49, cloneUrl: remote.url }),
    );
    expect(label.status, label.body).toBe(200);

    await fake.waitFor(
      (s) => s.comments.some((c) => c.issue === 49 && c.body.includes("fixbot:tracking") && FINAL_HEADER.test(c.body)),
      150_000,
      "the final tracking comment on #49",
    );
    await fake.waitFor(
      (s) => [41, 42, 43, 44, 45, 46, 47, 48].every((n) => s.comments.some((c) => c.issue === n && c.body.includes("fixbot commands"))),
      120_000,
      "a help reply on each CJK issue",
    );
    expect(fake.commentsOn("calc", 49, "fixbot:tracking")[0]!.body).toContain("fixbot fixed this issue");
    expect(await readDeadLetters(join(dataDir, "inbox"))).toEqual([]);
    expect(await bot.log()).not.toContain("incoming_too_long");
  });

  it("an unsigned 30 MB POST is refused with 413 without being buffered; a chunked one is cut off at the limit", async () => {
    showDiagnosticsOnFailure();
    const refusals = async () => (await bot.log()).split("webhook refused: body too large").length - 1;
    // The bot answers 413 and closes the connection while the sender is still writing: the sender sees the 413,
    // or, when the close overtakes it, a reset. Either way the bot's log names the refusal.
    const refused = (r: { status: number; body: string }) =>
      r.status === 413 || (r.status === 0 && /ECONNRESET|EPIPE|socket hang up/.test(r.body));
    const before = await rssOf(bot.pid);
    const declared = await postJunk(bot.url, 30 * 1024 * 1024, true);
    expect(refused(declared), JSON.stringify(declared)).toBe(true);
    const after = await rssOf(bot.pid);
    // Nothing of the body was read: the process did not grow by anything like the 30 MB it was offered.
    expect(after - before, `RSS ${before} -> ${after}`).toBeLessThan(16 * 1024 * 1024);
    expect(await refusals()).toBe(1);
    const chunked = await postJunk(bot.url, 30 * 1024 * 1024, false);
    expect(refused(chunked), JSON.stringify(chunked)).toBe(true);
    expect(await refusals()).toBe(2);
    // The bot still serves.
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
  });

  it("an agent summary and a review with @mentions, closing keywords, images and HTML: none of it is live in what fixbot posts", async () => {
    showDiagnosticsOnFailure();
    const ack = await bot.sendWebhook(
      "issues",
      calcIssueLabeledPayload({ owner: OWNER, repo: "calc-hostile", number: 1, cloneUrl: remote.url }),
    );
    expect(ack.status, ack.body).toBe(200);
    const repo = `${OWNER}/calc-hostile`;
    await fake.waitFor(
      (s) => s.comments.some((c) => c.repo === repo && c.issue === 1 && c.body.includes("fixbot:tracking") && FINAL_HEADER.test(c.body)),
      240_000,
      "the final tracking comment",
    );
    const tracking = fake.state.comments.find((c) => c.repo === repo && c.issue === 1 && c.body.includes("fixbot:tracking"))!;
    const pr = fake.state.pulls.find((p) => p.repo === repo)!;
    const review = fake.state.reviews.find((r) => r.repo === repo && r.pull === pr.number)!;
    expect(tracking.body).toContain("fixbot fixed this issue");
    expect(pr.body).toContain("@someone");
    for (const [what, text] of [
      ["tracking comment", tracking.body],
      ["pull request body", pr.body],
      ["review", review.body],
    ] as const) {
      const live = liveMarkdown(text);
      expect(live, what).not.toMatch(/@someone|@acme\/owners/);
      expect(live, what).not.toMatch(/\b(closes|resolves) (#1|acme\/calc#2)|fixes acme\/calc#2/i);
      // fixbot's own <details> blocks are fine; the agent's HTML and images are not.
      expect(live, what).not.toMatch(/!\[|<img|<\/details><details open>/i);
    }
  });
});

/** The parts of markdown GitHub renders live: fenced code blocks and code spans removed. */
function liveMarkdown(text: string): string {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of text.split("\n")) {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && !line.trim().slice(marker.length).trim()) fence = undefined;
      continue;
    }
    if (marker) {
      fence = marker;
      continue;
    }
    out.push(line.replace(/`[^`]*`/g, ""));
  }
  return out.join("\n");
}
