import { describe, expect, it } from "vitest";
import { PullRequestsConfigSchema } from "../../src/config/pull-requests.schema.js";
import { labelAccessRule, labelRule, pullRequestNowRule, reviewSettingsRule } from "../../src/workflow/request-rules.js";

const pr = {
  number: 7,
  title: "t",
  body: "",
  author: "Octo",
  baseRef: "main",
  headRef: "f",
  headRepoFullName: "acme/x",
  fork: false,
  headSha: "a".repeat(40),
  authorAssociation: "MEMBER",
};
const settings = (over: object = {}) => PullRequestsConfigSchema.parse(over);

describe("labelRule", () => {
  it("runs the configured label and a job without a label (a command)", () => {
    expect(labelRule("fixbot", "fixbot")).toBeUndefined();
    expect(labelRule(undefined, "fixbot")).toBeUndefined();
  });
  it("names both labels when they differ", () => {
    expect(labelRule("bug", "fixbot")).toBe('label "bug" is not the configured label "fixbot"');
  });
});

describe("labelAccessRule", () => {
  it("lets triage and more through, by role name first", () => {
    expect(labelAccessRule("a", { roleName: "triage", permission: "read" })).toBeUndefined();
    expect(labelAccessRule("a", { permission: "write" })).toBeUndefined();
  });
  it("refuses read access, naming the role", () => {
    expect(labelAccessRule("mallory", { roleName: "read", permission: "read" })).toBe(
      "@mallory has read access; labelling for fixbot needs triage or more",
    );
  });
});

describe("reviewSettingsRule", () => {
  it("reviews by default when a reviewer is configured", () => {
    expect(reviewSettingsRule({ pr }, settings(), true)).toBeUndefined();
  });
  it("skips when automatic review is off, or the author is ignored (case-insensitive)", () => {
    expect(reviewSettingsRule({ pr }, settings({ autoReview: false }), true)).toBe("pullRequests.autoReview is off");
    expect(reviewSettingsRule({ pr }, settings({ ignoreAuthors: ["octo"] }), true)).toBe("@Octo is in pullRequests.ignoreAuthors");
  });
  it("skips without a reviewer", () => {
    expect(reviewSettingsRule({ pr }, settings(), false)).toMatch(/no review.command/);
  });
  it("holds back a fork the policy excludes, but not a maintainer's explicit request", () => {
    const fork = { ...pr, fork: true, authorAssociation: "FIRST_TIME_CONTRIBUTOR" };
    expect(reviewSettingsRule({ pr: fork }, settings({ forks: "skip" }), true)).toBeDefined();
    expect(reviewSettingsRule({ pr: fork, requestedBy: "maintainer" }, settings({ forks: "skip" }), true)).toBeUndefined();
  });
});

describe("pullRequestNowRule", () => {
  it("reviews an open, ready pull request at the event's head", () => {
    expect(pullRequestNowRule({ pr }, { state: "open", draft: false, headSha: pr.headSha })).toBeUndefined();
  });
  it("skips closed, draft and moved-on pull requests", () => {
    expect(pullRequestNowRule({ pr }, { state: "closed", headSha: pr.headSha })).toBe("pull request #7 is closed");
    expect(pullRequestNowRule({ pr }, { state: "open", draft: true, headSha: pr.headSha })).toBe("pull request #7 is a draft");
    expect(pullRequestNowRule({ pr }, { state: "open", headSha: "b".repeat(40) })).toMatch(/^head moved on from aaaaaaa to bbbbbbb/);
  });
});
