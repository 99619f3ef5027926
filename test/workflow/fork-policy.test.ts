import pino from "pino";
import { describe, expect, it } from "vitest";
import { PullRequestsConfigSchema } from "../../src/config/pull-requests.schema.js";
import { EnvSchema } from "../../src/config/env.schema.js";
import { handlePullRequestForReview } from "../../src/webhooks/on-pull-request.js";
import { forkReviewDecision, narrowerForkPolicy, type ForkPolicy } from "../../src/workflow/review-pr/fork-policy.js";
import type { PrReviewJob } from "../../src/workflow/review-pr/types.js";
import { pullRequestPayload } from "../helpers/pr-payloads.js";

const decide = (fork: boolean, policy: ForkPolicy, authorAssociation?: string) =>
  forkReviewDecision({ fork, author: "mallory", authorAssociation, policy, setting: "pullRequests.forks" }).review;

describe("forkReviewDecision", () => {
  it("never holds back a pull request from the repository itself", () => {
    for (const policy of ["review", "skip-first-time", "skip"] as const) expect(decide(false, policy, "NONE")).toBe(true);
  });

  it("review: every fork PR; skip: none", () => {
    expect(decide(true, "review", "FIRST_TIMER")).toBe(true);
    expect(decide(true, "skip", "MEMBER")).toBe(false);
  });

  it("skip-first-time: first-time contributors (and an unknown association) are skipped, others reviewed", () => {
    for (const first of ["FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER", "NONE", undefined])
      expect(decide(true, "skip-first-time", first)).toBe(false);
    for (const known of ["CONTRIBUTOR", "COLLABORATOR", "MEMBER", "OWNER"]) expect(decide(true, "skip-first-time", known)).toBe(true);
  });

  it("says why, naming the setting", () => {
    expect(
      forkReviewDecision({
        fork: true,
        author: "mallory",
        authorAssociation: "NONE",
        policy: "skip-first-time",
        setting: "FIXBOT_FORK_REVIEWS",
      }),
    ).toEqual({
      review: false,
      reason: "@mallory is a first-time contributor (NONE) on a fork (FIXBOT_FORK_REVIEWS: skip-first-time)",
    });
  });
});

describe("narrowerForkPolicy: the operator caps, the repository may only narrow", () => {
  it.each([
    ["review", "review", "review"],
    ["review", "skip-first-time", "skip-first-time"],
    ["skip-first-time", "review", "skip-first-time"],
    ["skip", "review", "skip"],
    ["skip-first-time", "skip", "skip"],
  ] as const)("%s and %s: %s", (a, b, expected) => {
    expect(narrowerForkPolicy(a, b)).toBe(expected);
  });
});

describe("settings", () => {
  it("pullRequests.forks defaults to review and rejects unknown values", () => {
    expect(PullRequestsConfigSchema.parse({}).forks).toBe("review");
    expect(PullRequestsConfigSchema.safeParse({ forks: "never" }).success).toBe(false);
  });

  it("FIXBOT_FORK_REVIEWS defaults to review", () => {
    expect(EnvSchema.parse({}).FIXBOT_FORK_REVIEWS).toBe("review");
    expect(EnvSchema.parse({ FIXBOT_FORK_REVIEWS: "skip" }).FIXBOT_FORK_REVIEWS).toBe("skip");
    expect(EnvSchema.safeParse({ FIXBOT_FORK_REVIEWS: "sometimes" }).success).toBe(false);
  });
});

describe("FIXBOT_FORK_REVIEWS at intake", () => {
  const payload = (deliveryId: string, headRepo: string, authorAssociation: string) => ({
    id: deliveryId,
    payload: pullRequestPayload({
      action: "opened",
      owner: "acme",
      repo: "calc",
      number: 7,
      headSha: "a".repeat(40),
      headRepo,
      authorAssociation,
    }),
    log: pino({ level: "silent" }),
  });

  it("skip-first-time: a first-time contributor's fork PR is not enqueued; a returning contributor's and a same-repo PR are", async () => {
    const enqueued: PrReviewJob[] = [];
    const handle = handlePullRequestForReview({
      now: () => 1,
      forkReviews: "skip-first-time",
      acceptReview: async (job) => void enqueued.push(job),
    });
    await handle(payload("d-first", "mallory/calc", "FIRST_TIME_CONTRIBUTOR"));
    await handle(payload("d-returning", "bob/calc", "CONTRIBUTOR"));
    await handle(payload("d-same", "acme/calc", "NONE"));
    expect(enqueued.map((j) => [j.deliveryId, j.pr.authorAssociation])).toEqual([
      ["d-returning", "CONTRIBUTOR"],
      ["d-same", "NONE"],
    ]);
  });

  it("skip: no fork PR is enqueued", async () => {
    const enqueued: PrReviewJob[] = [];
    const handle = handlePullRequestForReview({ now: () => 1, forkReviews: "skip", acceptReview: async (job) => void enqueued.push(job) });
    await handle(payload("d-fork", "bob/calc", "MEMBER"));
    await handle(payload("d-same", "acme/calc", "MEMBER"));
    expect(enqueued.map((j) => j.deliveryId)).toEqual(["d-same"]);
  });
});
