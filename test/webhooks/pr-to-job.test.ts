import { describe, expect, it } from "vitest";
import { reviewJobFromPullRequest } from "../../src/webhooks/pr-to-job.js";
import { pullRequestPayload } from "../helpers/pr-payloads.js";

const SHA = "a".repeat(40);
const base = { owner: "acme", repo: "calc", number: 7, headSha: SHA, cloneUrl: "https://github.com/acme/calc.git" };

describe("reviewJobFromPullRequest (real pull_request payloads)", () => {
  it.each(["opened", "reopened", "ready_for_review", "synchronize"] as const)("builds a plain-data review job for %s", (action) => {
    const decision = reviewJobFromPullRequest(pullRequestPayload({ ...base, action, title: "Add it", body: "Adds it." }), "d-1", 1234);
    expect(decision.ok).toBe(true);
    if (!decision.ok) return;
    expect(decision.job).toEqual({
      kind: "review-pr",
      runId: "d-1",
      deliveryId: "d-1",
      action,
      receivedAt: 1234,
      repo: { owner: "acme", name: "calc", cloneUrl: "https://github.com/acme/calc.git", defaultBranch: "main" },
      installationId: 1,
      pr: {
        number: 7,
        title: "Add it",
        body: "Adds it.",
        author: "alice",
        baseRef: "main",
        headRef: "feature",
        headSha: SHA,
        headRepoFullName: "acme/calc",
        fork: false,
        authorAssociation: "OWNER",
      },
    });
    expect(JSON.parse(JSON.stringify(decision.job))).toEqual(decision.job);
  });

  it.each([
    ["a draft", { draft: true }, "is a draft"],
    ["a bot author", { author: "dependabot[bot]", authorType: "Bot" as const }, "is a bot"],
  ])("skips %s", (_name, overrides, reason) => {
    expect(reviewJobFromPullRequest(pullRequestPayload({ ...base, action: "opened", ...overrides }), "d", 1)).toEqual({
      ok: false,
      reason: expect.stringContaining(reason),
    });
  });

  it("skips closed pull requests and actions that do not start a review", () => {
    expect(reviewJobFromPullRequest(pullRequestPayload({ ...base, action: "closed" }), "d", 1)).toEqual({
      ok: false,
      reason: "action closed does not start a review",
    });
    const closedButOpened = pullRequestPayload({ ...base, action: "opened" });
    closedButOpened.pull_request.state = "closed";
    expect(reviewJobFromPullRequest(closedButOpened, "d", 1)).toEqual({ ok: false, reason: "pull request #7 is closed" });
    const labeled = pullRequestPayload({ ...base, action: "opened" });
    labeled.action = "labeled";
    expect(reviewJobFromPullRequest(labeled, "d", 1).ok).toBe(false);
  });

  it("marks a fork (or a deleted head repository) so its code is never run", () => {
    const fork = reviewJobFromPullRequest(pullRequestPayload({ ...base, action: "opened", headRepo: "mallory/calc" }), "d", 1);
    expect(fork.ok && fork.job.pr).toMatchObject({ fork: true, headRepoFullName: "mallory/calc" });
    const sameCase = reviewJobFromPullRequest(pullRequestPayload({ ...base, action: "opened", headRepo: "ACME/Calc" }), "d", 1);
    expect(sameCase.ok && sameCase.job.pr.fork).toBe(false);
    const deleted = pullRequestPayload({ ...base, action: "opened" });
    deleted.pull_request.head.repo = null;
    const gone = reviewJobFromPullRequest(deleted, "d", 1);
    expect(gone.ok && gone.job.pr).toMatchObject({ fork: true, headRepoFullName: null });
  });

  it("caps the PR text so the job fits the actor queue's message limit", () => {
    const long = reviewJobFromPullRequest(
      pullRequestPayload({ ...base, action: "opened", title: "t".repeat(2_000), body: "é".repeat(70_000) }),
      "d",
      1,
    );
    expect(long.ok).toBe(true);
    if (!long.ok) return;
    expect(Buffer.byteLength(JSON.stringify(long.job))).toBeLessThan(32 * 1024);
    expect(long.job.pr.body).toContain("[fixbot: the pull request description was longer than 8 KiB and is cut here");
    expect(long.job.pr.title.endsWith("… (cut)")).toBe(true);
  });

  it("needs an installation, and serves only ALLOWED_OWNERS when set", () => {
    const noInstall = pullRequestPayload({ ...base, action: "opened" });
    delete noInstall.installation;
    expect(reviewJobFromPullRequest(noInstall, "d", 1)).toEqual({ ok: false, reason: expect.stringContaining("no installation") });
    const payload = pullRequestPayload({ ...base, action: "opened" });
    expect(reviewJobFromPullRequest(payload, "d", 1, ["other"])).toEqual({ ok: false, reason: "owner acme is not in ALLOWED_OWNERS" });
    expect(reviewJobFromPullRequest(payload, "d", 1, ["ACME"]).ok).toBe(true);
  });
});
