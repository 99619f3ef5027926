import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createMetrics } from "../../src/metrics/registry.js";
import { resetsAt } from "../../src/spend/windows.js";
import { PR_SPEND_MARKER } from "../../src/workflow/review-pr/review-text.js";
import type { PrReviewRun } from "../../src/workflow/review-pr/types.js";
import type { AppHarness } from "../helpers/app-harness.js";
import { fakeGitHub } from "../helpers/fake-github-nock.js";
import { fakeGitHubPulls } from "../helpers/fake-github-pr-nock.js";
import { createBareRemote } from "../helpers/git-remote.js";
import { useAppHarness } from "../helpers/integration-suite.js";
import { parsePromText, seriesKey } from "../helpers/prom-text.js";
import { calcIssueLabeledPayload, loadExample } from "../helpers/payloads.js";
import { pullRequestPayload } from "../helpers/pr-payloads.js";
import { pushPullRequestCommit } from "../helpers/pr-remote.js";

/**
 * The review agent's usage counts like the fixing agent's: a pull request review's usage is added to the spend
 * windows and shown in the review, a used-up window refuses a review with a comment, and a fix run's review
 * is a row of its usage table and counted too. The review agent is a script writing FIXBOT_USAGE_FILE.
 */
const ROOT = join(import.meta.dirname, "..", "..");
const CALC = join(ROOT, "fixtures", "repos", "calc");
const REVIEWER = join(ROOT, "fixtures", "agents", "review-counted.sh");
const OWNER = "acme";
const PR = 7;
const DAY = 24 * 3_600_000;
const USAGE_LINE = "1 turn · 1,200 tokens (1,000 in / 200 out) · $0.0300";

// The bot's clock: real time shifted to 2 Dec 2026, 10:00 UTC; a test moves it to the next UTC day.
let offset = Date.UTC(2026, 11, 2, 10, 0) - Date.now();
const now = () => Date.now() + offset;
const metrics = createMetrics();

const suite = useAppHarness({ now, metrics, spend: { ceilings: {}, limits: { "repo-day": { tokens: 1000 } } } });
let harness: AppHarness;
beforeAll(() => {
  harness = suite.harness();
});

const totals = (repo: string) => harness.runtime.client.spend.getOrCreate([OWNER]).totals(repo, now());
/** A series of this process's metrics, read now (0 when absent). */
const sample = async (name: string, labels: Record<string, string>) =>
  parsePromText(await metrics.registry.metrics()).get(seriesKey(name, labels)) ?? 0;
const reviewTokensIn = () => sample("fixbot_agent_tokens_total", { role: "review", direction: "input" });
/** When today's (the bot's clock) UTC day window resets, as the comments write it. */
const dayReset = () => new Date(resetsAt("repo-day", now())).toISOString().replace(".000Z", "Z");
/** Waits for a comment on the fake GitHub matching `match`; returns its body. */
async function waitForComment(comments: () => Array<{ body: string }>, match: (body: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 150_000;
  for (;;) {
    const found = comments().find((c) => match(c.body));
    if (found) return found.body;
    if (Date.now() > deadline) throw new Error(`no ${what}: ${JSON.stringify(comments())}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A PR on a bare remote seeded from calc (add() fixed), a fake GitHub with the counted reviewer configured. */
async function prScenario(repo: string) {
  const remote = await createBareRemote({ fixture: CALC });
  suite.onCleanup(remote.cleanup);
  const calc = (await readFile(join(CALC, "src", "calc.js"), "utf8")).replace("a - b", "a + b");
  const sha = await pushPullRequestCommit({
    bareDir: remote.dir,
    number: PR,
    parent: "main",
    branch: "feature",
    files: { "src/calc.js": calc },
  });
  const fake = fakeGitHubPulls({
    owner: OWNER,
    repo,
    configYaml: `review:\n  command: ${JSON.stringify(REVIEWER)}\n`,
    roles: { alice: "write" },
  });
  suite.useFake(fake.stop);
  fake.addPull({
    number: PR,
    state: "open",
    draft: false,
    headSha: sha,
    headRef: "feature",
    baseRef: "main",
    headRepo: `${OWNER}/${repo}`,
    author: "alice",
  });
  const opened = () =>
    harness.probot.receive({
      id: `delivery-${repo}-${Math.random().toString(36).slice(2)}`,
      name: "pull_request",
      payload: pullRequestPayload({
        action: "opened",
        owner: OWNER,
        repo,
        number: PR,
        headSha: sha,
        cloneUrl: remote.url,
        headRepo: `${OWNER}/${repo}`,
      }),
    } as never);
  /** A slash command by alice on the PR (`/fixbot review`: a fresh review of the same head). */
  const command = (body: string) => {
    const payload = loadExample("issue_comment", "created");
    const id = Math.floor(Math.random() * 1e9);
    payload.comment = { ...payload.comment, id, body, user: { ...payload.comment.user, login: "alice", type: "User" } };
    payload.sender = { ...payload.sender, login: "alice", type: "User" };
    payload.issue = {
      ...payload.issue,
      number: PR,
      title: "Fix add",
      body: "",
      state: "open",
      pull_request: { url: `https://api.github.com/repos/${OWNER}/${repo}/pulls/${PR}` },
    };
    payload.repository = {
      ...payload.repository,
      name: repo,
      full_name: `${OWNER}/${repo}`,
      owner: { ...payload.repository.owner, login: OWNER },
      clone_url: remote.url,
      default_branch: "main",
    };
    payload.installation = { id: 1 };
    return harness.probot.receive({ id: `comment-${repo}-${id}`, name: "issue_comment", payload } as never);
  };
  const actor = () => harness.runtime.client.prReview.getOrCreate([`${OWNER}/${repo}`.toLowerCase(), String(PR)]);
  const requestReview = () => command("/fixbot review");
  return { sha, state: fake.state, opened, requestReview, command, actor };
}

/** Waits until the PR's actor has `count` closed runs (the engine may stall a while under load). */
async function waitForReviews(actor: () => { getReviews(): Promise<PrReviewRun[]> }, count: number): Promise<PrReviewRun[]> {
  const deadline = Date.now() + 150_000;
  for (;;) {
    const runs = await actor()
      .getReviews()
      .catch(() => [] as PrReviewRun[]);
    if (runs.filter((r) => r.closed).length >= count) return runs;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} finished review(s): ${JSON.stringify(runs)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("the review agent's usage is shown and counted in the spend windows", { timeout: 400_000 }, () => {
  it("a PR review's usage is added to the window and shown; a used-up window refuses the next review with a comment until it resets", async () => {
    const s = await prScenario("pr-spend");
    const tokensBefore = await reviewTokensIn();
    await s.opened();
    const [first] = await waitForReviews(s.actor, 1);
    expect(first?.status, JSON.stringify(first)).toBe("reviewed");
    // Prometheus counts the review agent under its own role.
    expect((await reviewTokensIn()) - tokensBefore).toBe(1000);
    expect(s.state.reviews).toHaveLength(1);
    expect(s.state.reviews[0]!.body).toContain(`<sub>Review agent usage: ${USAGE_LINE}</sub>`);
    expect(s.state.checkRuns[0]?.summary).toContain(`Review agent usage: ${USAGE_LINE}.`);
    expect((await totals("pr-spend"))["repo-day"]).toEqual({ tokens: 1200, costUsd: 0.03 });

    await s.requestReview();
    const refused = (await waitForReviews(s.actor, 2))[1];
    expect(refused?.status, JSON.stringify(refused)).toBe("skipped");
    expect(refused?.steps?.map((step) => step.name)).not.toContain("review-chunk#1");
    expect(s.state.reviews).toHaveLength(1);
    const comment = s.state.comments.find((c) => c.body.includes(PR_SPEND_MARKER))?.body ?? "";
    expect(comment).toContain(
      `The review of \`${s.sha.slice(0, 7)}\` was not started: today's (UTC) spend window of acme/pr-spend is used up (1,200 of 1,000 tokens, FIXBOT_SPEND_REPO_DAY_TOKENS).`,
    );
    expect(comment).toContain("The window resets at 2026-12-03T00:00:00Z");
    expect(await metrics.registry.getSingleMetricAsString("fixbot_spend_refusals_total")).toContain(
      'fixbot_spend_refusals_total{limit="repo-day"} 1',
    );

    // Refused again: the one comment is edited in place, not posted twice.
    await s.requestReview();
    expect((await waitForReviews(s.actor, 3))[2]?.status).toBe("skipped");
    expect(s.state.comments.filter((c) => c.body.includes(PR_SPEND_MARKER))).toHaveLength(1);

    offset += DAY;
    await s.requestReview();
    const third = (await waitForReviews(s.actor, 4))[3];
    expect(third?.status, JSON.stringify(third)).toBe("reviewed");
    expect(s.state.reviews).toHaveLength(2);
    expect((await totals("pr-spend"))["repo-day"]).toEqual({ tokens: 1200, costUsd: 0.03 });
  });

  it("/fixbot ask: the answer ends with the agent's usage, which is counted; once the window is used up, an ask is refused", async () => {
    const s = await prScenario("pr-ask");
    const tokensBefore = await reviewTokensIn();
    await s.command("/fixbot ask is add() right now?");
    const deadline = Date.now() + 150_000;
    let answer: string | undefined;
    while (!(answer = s.state.comments.find((c) => c.body.includes("**Answer** to @alice"))?.body)) {
      if (Date.now() > deadline) throw new Error(`no answer: ${JSON.stringify(s.state.comments)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(answer).toContain("Reviewed 1 file(s): src/calc.js");
    expect(answer.endsWith(`<sub>Agent usage: ${USAGE_LINE}</sub>`)).toBe(true);
    // Recorded after the answer was posted: wait for the ledger to hold it.
    while ((await totals("pr-ask"))["repo-day"].tokens === 0) {
      if (Date.now() > deadline) throw new Error("the answer's usage was never counted");
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await totals("pr-ask"))["repo-day"]).toEqual({ tokens: 1200, costUsd: 0.03 });
    expect((await reviewTokensIn()) - tokensBefore).toBe(1000);

    // The answer used the window up (1,200 of 1,000 tokens): the next question is refused before its agent runs.
    const refusals = await sample("fixbot_spend_refusals_total", { limit: "repo-day" });
    await s.command("/fixbot ask and what about sub()?");
    const refusal = await waitForComment(
      () => s.state.comments,
      (body) => body.includes("fixbot did not answer"),
      "refusal",
    );
    expect(refusal).toContain(
      "@alice fixbot did not answer: today's (UTC) spend window of acme/pr-ask is used up (1,200 of 1,000 tokens, FIXBOT_SPEND_REPO_DAY_TOKENS).",
    );
    expect(refusal).toContain(`The window resets at ${dayReset()}`);
    expect(s.state.comments.filter((c) => c.body.includes("**Answer** to @alice"))).toHaveLength(1);
    expect((await totals("pr-ask"))["repo-day"]).toEqual({ tokens: 1200, costUsd: 0.03 });
    expect((await sample("fixbot_spend_refusals_total", { limit: "repo-day" })) - refusals).toBe(1);
    expect((await reviewTokensIn()) - tokensBefore).toBe(1000);
  });

  it("a fix run's review is a row of the tracking comment's usage table and is counted with the attempts", async () => {
    const repo = "calc-review-usage";
    const remote = await createBareRemote({ fixture: CALC });
    suite.onCleanup(remote.cleanup);
    const fix = `sed 's/a - b/a + b/' src/calc.js > t && mv t src/calc.js && echo '{"turns":2,"inputTokens":300,"outputTokens":100}' > "$FIXBOT_USAGE_FILE"`;
    const configYaml = `agent:\n  command: ${JSON.stringify(fix)}\nreview:\n  command: ${JSON.stringify(REVIEWER)}\n`;
    const fake = fakeGitHub({ owner: OWNER, repo, configYaml, roles: { alice: "write" } });
    suite.useFake(fake.stop);
    await harness.probot.receive({
      id: `delivery-${repo}-1`,
      name: "issues",
      payload: calcIssueLabeledPayload({ owner: OWNER, repo, number: 1, label: "fixbot", senderLogin: "alice", cloneUrl: remote.url }),
    } as never);
    const [run] = await harness.waitForRuns(`${OWNER}/${repo}`, 1);
    expect(run?.status, JSON.stringify(run?.error ?? run?.steps)).toBe("fixed");
    const tracking = fake.state.comments.find((c) => c.issue === 1 && c.body.includes("fixbot:tracking"))?.body ?? "";
    expect(tracking).toContain("| 1 | 2 | 400 (300 / 100) | not reported |");
    expect(tracking).toContain("| review | 1 | 1,200 (1,000 / 200) | $0.0300 |");
    expect(tracking).toContain("| **total** | 3 | 1,600 | $0.0300 (0 of 1 attempts reported) |");
    expect((await totals(repo))["repo-day"]).toEqual({ tokens: 1600, costUsd: 0.03 });
  });

  it("a fix whose attempts used the window up opens its pull request, and its review is skipped with a note saying why", async () => {
    const repo = "calc-review-skipped";
    const remote = await createBareRemote({ fixture: CALC });
    suite.onCleanup(remote.cleanup);
    const fix = `sed 's/a - b/a + b/' src/calc.js > t && mv t src/calc.js && echo '{"turns":2,"inputTokens":1000,"outputTokens":100}' > "$FIXBOT_USAGE_FILE"`;
    const configYaml = `agent:\n  command: ${JSON.stringify(fix)}\nreview:\n  command: ${JSON.stringify(REVIEWER)}\n`;
    const fake = fakeGitHub({ owner: OWNER, repo, configYaml, roles: { alice: "write" } });
    suite.useFake(fake.stop);
    const tokensBefore = await reviewTokensIn();
    await harness.probot.receive({
      id: `delivery-${repo}-1`,
      name: "issues",
      payload: calcIssueLabeledPayload({ owner: OWNER, repo, number: 1, label: "fixbot", senderLogin: "alice", cloneUrl: remote.url }),
    } as never);
    const [run] = await harness.waitForRuns(`${OWNER}/${repo}`, 1);
    expect(run?.status, JSON.stringify(run?.error ?? run?.steps)).toBe("fixed");
    expect(run?.pullRequest?.url).toBeTruthy();
    expect(run?.steps.map((step) => step.name)).not.toContain("review-change");
    expect(fake.state.reviews).toHaveLength(0);
    const tracking = fake.state.comments.find((c) => c.issue === 1 && c.body.includes("fixbot:tracking"))?.body ?? "";
    expect(tracking).toContain(
      `**Review:** not run: today's (UTC) spend window of acme/${repo} is used up (1,100 of 1,000 tokens, FIXBOT_SPEND_REPO_DAY_TOKENS). The window resets at ${dayReset()};`,
    );
    expect((await totals(repo))["repo-day"]).toEqual({ tokens: 1100, costUsd: 0 });
    expect((await reviewTokensIn()) - tokensBefore).toBe(0);
  });
});
