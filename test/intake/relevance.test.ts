import { describe, expect, it } from "vitest";
import { configSubject, relevanceOf, type LoadedConfig } from "../../src/intake/relevance.js";
import { commandFromComment } from "../../src/webhooks/comment-to-command.js";
import { reviewJobFromPullRequest } from "../../src/webhooks/pr-to-job.js";
import { jobFromLabeledIssue } from "../../src/webhooks/to-job.js";
import { loadExample, issuesLabeledPayload } from "../helpers/payloads.js";
import { pullRequestPayload } from "../helpers/pr-payloads.js";

const cfg = (raw: unknown): LoadedConfig => ({ ok: true, raw });
const REVIEWER = { review: { command: "./review.sh" } };

function fixEntry(label: string) {
  const decision = jobFromLabeledIssue(
    issuesLabeledPayload({ owner: "acme", repo: "calc", number: 3, label, senderLogin: "alice" }),
    "d-fix",
    1,
  );
  if (!decision.ok) throw new Error(decision.reason);
  return { kind: "fix", job: decision.job };
}

function reviewEntry(o: { author?: string; fork?: boolean; authorAssociation?: string } = {}) {
  const payload = pullRequestPayload({
    action: "opened",
    owner: "acme",
    repo: "calc",
    number: 7,
    headSha: "a".repeat(40),
    author: o.author,
    headRepo: o.fork ? "mallory/calc" : undefined,
    authorAssociation: o.authorAssociation,
  });
  const decision = reviewJobFromPullRequest(payload, "d-pr", 1);
  if (!decision.ok) throw new Error(decision.reason);
  return { kind: "review", job: decision.job };
}

describe("relevance before any actor: labelled issues", () => {
  it("settles a label that is not the configured one, naming both", () => {
    expect(relevanceOf(fixEntry("triage-me"), cfg({ label: "fixbot" }))).toEqual({
      act: false,
      reason: 'label "triage-me" is not the configured label "fixbot"',
    });
  });

  it("acts on the configured label; with no label configured (or no file at all), on the default `fixbot` only", () => {
    expect(relevanceOf(fixEntry("please-fix"), cfg({ label: "please-fix" }))).toEqual({ act: true });
    expect(relevanceOf(fixEntry("fixbot"), cfg({}))).toEqual({ act: true });
    expect(relevanceOf(fixEntry("bug"), cfg({}))).toEqual({ act: false, reason: 'label "bug" is not the configured label "fixbot"' });
  });

  it("hands an invalid or unreadable config to the workflow, which tells the user what to fix", () => {
    expect(relevanceOf(fixEntry("triage-me"), cfg({ label: "", nonsense: 1 }))).toEqual({ act: true });
    expect(relevanceOf(fixEntry("triage-me"), { ok: false, problems: [".github/fixbot.yml is not valid YAML"] })).toEqual({ act: true });
  });

  it("never settles a local (CLI) job or one without a label", () => {
    const { job } = fixEntry("triage-me");
    expect(configSubject({ kind: "fix", job: { ...job, source: "local" } })).toBeUndefined();
    expect(relevanceOf({ kind: "fix", job: { ...job, label: undefined } }, cfg({ label: "fixbot" }))).toEqual({ act: true });
  });
});

describe("relevance before any actor: pull requests", () => {
  it("settles a pull request of a repository with automatic review off", () => {
    expect(relevanceOf(reviewEntry(), cfg({ ...REVIEWER, pullRequests: { autoReview: false } }))).toEqual({
      act: false,
      reason: "pullRequests.autoReview is off",
    });
  });

  it("settles an ignored author (case-insensitive) and a repository without a review agent", () => {
    expect(
      relevanceOf(reviewEntry({ author: "Renovate-Helper" }), cfg({ ...REVIEWER, pullRequests: { ignoreAuthors: ["renovate-helper"] } })),
    ).toEqual({ act: false, reason: "@Renovate-Helper is in pullRequests.ignoreAuthors" });
    expect(relevanceOf(reviewEntry(), cfg({}))).toEqual({
      act: false,
      reason: "no review.command, review.preset or review.backend is configured",
    });
  });

  it("settles a first-time contributor's fork under the repository's skip-first-time, reviews a member's", () => {
    const config = cfg({ ...REVIEWER, pullRequests: { forks: "skip-first-time" } });
    expect(relevanceOf(reviewEntry({ fork: true, authorAssociation: "FIRST_TIME_CONTRIBUTOR" }), config)).toMatchObject({ act: false });
    expect(relevanceOf(reviewEntry({ fork: true, authorAssociation: "MEMBER" }), config)).toEqual({ act: true });
  });

  it("acts on a reviewable pull request and on an invalid config (reported on the PR by the workflow)", () => {
    expect(relevanceOf(reviewEntry(), cfg(REVIEWER))).toEqual({ act: true });
    expect(relevanceOf(reviewEntry(), cfg({ ...REVIEWER, pullRequests: { maxChunks: 0 } }))).toEqual({ act: true });
  });
});

describe("relevance before any actor: what the config cannot decide", () => {
  it("a slash command and an unknown kind always go to their actor, without a config read", () => {
    const payload = loadExample("issue_comment", "created");
    payload.comment.body = "/fixbot fix";
    payload.comment.user = { login: "alice", type: "User" };
    payload.sender = { login: "alice", type: "User" };
    payload.installation = { id: 1 };
    const command = commandFromComment(payload, "d-c", 1, { word: "fixbot" });
    if (!command.ok) throw new Error(command.reason);
    expect(configSubject({ kind: "command", job: command.job })).toBeUndefined();
    expect(relevanceOf({ kind: "command", job: command.job }, cfg({ label: "other" }))).toEqual({ act: true });
    expect(relevanceOf({ kind: "mystery", job: {} }, cfg({}))).toEqual({ act: true });
  });
});
