import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConfigCaches } from "../../src/github/config-cache.js";
import { createOctokit, type GitHubAccess, type TokenScope } from "../../src/github/octokit.js";
import { createSettle } from "../../src/intake/settle-irrelevant.js";
import type { InboxEntry } from "../../src/inbox/journal-records.js";
import { reviewJobFromPullRequest } from "../../src/webhooks/pr-to-job.js";
import { jobFromLabeledIssue } from "../../src/webhooks/to-job.js";
import { startFakeGitHub, type FakeGitHubServer } from "../helpers/fake-github-server.js";
import { issuesLabeledPayload } from "../helpers/payloads.js";
import { pullRequestPayload } from "../helpers/pr-payloads.js";

/** The intake's settle step against the fake GitHub over loopback HTTP. */
let fake: FakeGitHubServer;
const TOKEN = "ghs_settle_test";
const scopes: TokenScope[] = [];
const github: GitHubAccess = {
  async forInstallation(_id, scope) {
    scopes.push(scope);
    return {
      token: TOKEN,
      octokit: createOctokit({ token: TOKEN, baseUrl: fake.apiUrl, retries: 0, throttle: false }),
      app: { appId: 1, botLogin: "fixbot[bot]" },
    };
  },
};

beforeAll(async () => {
  fake = await startFakeGitHub({
    repos: { calc: { owner: "acme", configYaml: "label: fixbot\nreview:\n  command: ./review.sh\npullRequests:\n  autoReview: false\n" } },
  });
  fake.state.tokens.push(TOKEN);
});
afterAll(async () => fake?.stop());
beforeEach(() => {
  fake.state.requests.length = 0;
  scopes.length = 0;
});

const settleWith = () =>
  createSettle({
    github,
    caches: new ConfigCaches({ maxAgeMs: 60_000, maxEntries: 100 }),
    log: pino({ level: "silent" }),
    readTimeoutMs: 2_000,
  });

function fix(id: string, label: string): InboxEntry {
  const d = jobFromLabeledIssue(issuesLabeledPayload({ owner: "acme", repo: "calc", number: 1, label, senderLogin: "alice" }), id, 1);
  if (!d.ok) throw new Error(d.reason);
  return { id, kind: "fix", job: d.job, acceptedAt: 1 };
}

function review(id: string): InboxEntry {
  const d = reviewJobFromPullRequest(
    pullRequestPayload({ action: "opened", owner: "acme", repo: "calc", number: 7, headSha: "b".repeat(40) }),
    id,
    1,
  );
  if (!d.ok) throw new Error(d.reason);
  return { id, kind: "review", job: d.job, acceptedAt: 1 };
}

const configReads = () => fake.state.requests.filter((r) => r.path.includes("/contents/")).length;

describe("settling a hand-over batch at the intake", () => {
  it("settles the deliveries the config rules out, reading the config once per batch with a read-only token", async () => {
    const settled = await settleWith()([fix("a", "triage"), fix("b", "fixbot"), fix("c", "wontfix"), review("d")]);
    expect([...settled.entries()]).toEqual([
      ["a", 'label "triage" is not the configured label "fixbot"'],
      ["c", 'label "wontfix" is not the configured label "fixbot"'],
      ["d", "pullRequests.autoReview is off"],
    ]);
    expect(configReads()).toBe(2); // the repo file and the org defaults, once
    // Read-only tokens, one per repository: the repo's own and the org defaults' (`.github`).
    expect(new Set(scopes.map((s) => s.repository))).toEqual(new Set(["calc", ".github"]));
    expect(scopes.every((s) => s.permissions.contents === "read" && Object.keys(s.permissions).sort().join() === "contents,metadata")).toBe(
      true,
    );
  });

  it("GitHub failing: settles nothing, so every delivery goes to its actor the usual way", async () => {
    fake.failNext(1, { status: 502 });
    const settled = await settleWith()([fix("a", "triage"), review("d")]);
    expect(settled.size).toBe(0);
    expect(fake.pendingFailures()).toBe(0);
  });

  it("GitHub not answering within the read timeout: settles nothing", async () => {
    const stopDelay = fake.delay({ delayMs: 1_500, match: (_m, path) => path.includes("/contents/"), times: 1 });
    try {
      const settle = createSettle({
        github,
        caches: new ConfigCaches({ maxAgeMs: 60_000, maxEntries: 100 }),
        log: pino({ level: "silent" }),
        readTimeoutMs: 300,
      });
      expect((await settle([fix("a", "triage")])).size).toBe(0);
    } finally {
      stopDelay();
    }
  });

  it("a config that is not valid YAML settles nothing (the workflow reports it on the issue)", async () => {
    const before = fake.repos.calc!.configYaml;
    fake.repos.calc!.configYaml = "label: [unclosed\n";
    try {
      expect((await settleWith()([fix("a", "triage")])).size).toBe(0);
    } finally {
      fake.repos.calc!.configYaml = before;
    }
  });
});
