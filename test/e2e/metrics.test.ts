import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { type BotProcess, startReadyBot, stopBotAndEngine } from "../helpers/bot-process.js";
import { startFakeGitHub, type FakeGitHubServer, type FakeServerComment } from "../helpers/fake-github-server.js";
import { createBareRemote } from "../helpers/git-remote.js";
import { calcIssueLabeledPayload } from "../helpers/payloads.js";
import { parsePromText, seriesKey } from "../helpers/prom-text.js";

const CALC = join(import.meta.dirname, "..", "..", "fixtures", "repos", "calc");
const OWNER = "acme";
const TOKEN = `metrics-${randomUUID()}`;
/** Fixes add() and reports its usage the way the command-agent contract says (FIXBOT_USAGE_FILE). */
const FIX_AND_REPORT = `sed 's/a - b/a + b/' src/calc.js > t && mv t src/calc.js && echo '{"turns":2,"inputTokens":1000,"outputTokens":200,"costUsd":0.03}' > "$FIXBOT_USAGE_FILE"`;
const FINAL = /fixbot fixed this issue|could not make the tests pass|made NO change|stopped with an error/;

let dataDir: string;
let remotes: Array<Awaited<ReturnType<typeof createBareRemote>>> = [];
let fake: FakeGitHubServer;
let bot: BotProcess;
let failed = false;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "fixbot-metrics-"));
  remotes = [await createBareRemote({ fixture: CALC }), await createBareRemote({ fixture: CALC })];
  fake = await startFakeGitHub({
    repos: {
      calc: { owner: OWNER, roles: { alice: "write" }, configYaml: `agent:\n  command: ${JSON.stringify(FIX_AND_REPORT)}\n` },
      // An agent that fails without changing anything and reports no usage: the run ends in an error.
      broken: { owner: OWNER, roles: { alice: "write" }, configYaml: `agent:\n  command: "echo 'no credentials' >&2; exit 3"\n` },
    },
  });
  bot = await startReadyBot({ fakeGitHub: fake, dataDir, env: { FIXBOT_METRICS_TOKEN: TOKEN } }, { readyTimeoutMs: 60_000 });
});

afterAll(async () => {
  await stopBotAndEngine({ bot, dataDir, fake });
  for (const remote of remotes) await remote.cleanup();
  if (failed) console.error(`kept the bot's data directory: ${dataDir}`);
  else if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function diagnostics(): void {
  onTestFailed(async () => {
    failed = true;
    console.error(`bot log tail:\n${await bot.logTail(60)}`);
  });
}

const scrape = async () => {
  const res = await fetch(`${bot.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return parsePromText(await res.text());
};
const tracking = (repo: string) => (c: FakeServerComment) => c.repo === `${OWNER}/${repo}` && c.body.includes("fixbot:tracking");

describe("/metrics on the real bot", () => {
  it("refuses a scrape without the token, or with a wrong one (401)", async () => {
    expect((await fetch(`${bot.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${bot.url}/metrics`, { headers: { authorization: "Bearer not-the-token" } })).status).toBe(401);
  });

  it("after an ignored delivery, a label flow and a failed run, the counters and histograms moved by exactly what happened", async () => {
    diagnostics();
    const before = await scrape();
    // Ignored at the webhook: the sender is a bot.
    const ignored = await bot.sendWebhook(
      "issues",
      calcIssueLabeledPayload({
        owner: OWNER,
        repo: "calc",
        number: 7,
        senderLogin: "dependabot[bot]",
        senderType: "Bot",
        cloneUrl: remotes[0]!.url,
      }),
    );
    expect(ignored.status).toBe(200);
    const fixed = await bot.sendWebhook(
      "issues",
      calcIssueLabeledPayload({ owner: OWNER, repo: "calc", number: 1, cloneUrl: remotes[0]!.url }),
    );
    const broken = await bot.sendWebhook(
      "issues",
      calcIssueLabeledPayload({ owner: OWNER, repo: "broken", number: 1, cloneUrl: remotes[1]!.url }),
    );
    expect([fixed.status, broken.status]).toEqual([200, 200]);
    await fake.waitFor(
      (s) =>
        s.comments.some((c) => tracking("calc")(c) && FINAL.test(c.body)) &&
        s.comments.some((c) => tracking("broken")(c) && FINAL.test(c.body)),
      90_000,
      "both final tracking comments",
    );
    // The final comment is edited before the run is closed: wait until both runs are counted (scrapes are cheap).
    let after = await scrape();
    for (
      let i = 0;
      i < 100 &&
      (after.get(seriesKey("fixbot_runs_total", { kind: "fix", status: "error" })) ?? 0) +
        (after.get(seriesKey("fixbot_runs_total", { kind: "fix", status: "fixed" })) ?? 0) <
        2;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
      after = await scrape();
    }
    const moved = (name: string, labels: Record<string, string> = {}) =>
      (after.get(seriesKey(name, labels)) ?? 0) - (before.get(seriesKey(name, labels)) ?? 0);

    expect(moved("fixbot_webhook_deliveries_total", { event: "issues", outcome: "ignored" })).toBe(1);
    expect(moved("fixbot_webhook_deliveries_total", { event: "issues", outcome: "accepted" })).toBe(2);
    expect(moved("fixbot_webhook_deliveries_total", { event: "issues", outcome: "handed-on" })).toBe(2);
    expect(moved("fixbot_webhook_deliveries_total", { event: "issues", outcome: "refused" })).toBe(0);
    expect(moved("fixbot_webhook_answer_seconds_count", { event: "issues" })).toBe(3);

    expect(moved("fixbot_runs_total", { kind: "fix", status: "fixed" })).toBe(1);
    expect(moved("fixbot_runs_total", { kind: "fix", status: "error" })).toBe(1);
    expect(moved("fixbot_agent_attempts_total")).toBe(2);
    expect(moved("fixbot_step_duration_seconds_count", { step: "check-request", result: "done" })).toBe(2);
    expect(moved("fixbot_step_duration_seconds_count", { step: "run-agent", result: "done" })).toBe(2);
    expect(moved("fixbot_step_duration_seconds_count", { step: "run-tests", result: "done" })).toBe(1);
    expect(moved("fixbot_step_duration_seconds_count", { step: "open-pull-request", result: "done" })).toBe(1);
    expect(moved("fixbot_step_duration_seconds_count", { step: "run-agent", result: "failed" })).toBe(0);

    // Usage: what the fixing agent reported (role "edit"); the failing agent reported nothing (counted as
    // unreported, not 0). Neither repository configures a review agent: nothing under role "review".
    expect(moved("fixbot_agent_turns_total", { role: "edit" })).toBe(2);
    expect(moved("fixbot_agent_tokens_total", { role: "edit", direction: "input" })).toBe(1000);
    expect(moved("fixbot_agent_tokens_total", { role: "edit", direction: "output" })).toBe(200);
    expect(moved("fixbot_agent_cost_usd_total", { role: "edit" })).toBeCloseTo(0.03, 10);
    expect(moved("fixbot_agent_usage_unreported_total")).toBe(1);
    expect(moved("fixbot_agent_tokens_total", { role: "review", direction: "input" })).toBe(0);

    // Gauges read at scrape: nothing waiting, nothing running, the configured limit.
    expect(after.get("fixbot_inbox_backlog")).toBe(0);
    expect(after.get("fixbot_inbox_dead_letters")).toBe(0);
    expect(after.get("fixbot_runs_in_flight")).toBe(0);
    expect(after.get("fixbot_run_slots_limit")).toBe(4);
  });

  it("the tracking comment and the pull request show the usage per attempt; a backend that reported none says so", async () => {
    diagnostics();
    const fixedComment = fake.state.comments.find(tracking("calc"))!;
    expect(fixedComment.body).toContain("| 1 | 2 | 1,200 (1,000 / 200) | $0.0300 |");
    const pr = fake.state.pulls.find((p) => p.repo === `${OWNER}/calc`)!;
    expect(pr.body).toContain("## Agent usage");
    expect(pr.body).toContain("| 1 | 2 | 1,200 (1,000 / 200) | $0.0300 |");
    const brokenComment = fake.state.comments.find(tracking("broken"))!;
    expect(brokenComment.body).toContain("| 1 | not reported | not reported | not reported |");
  });
});
