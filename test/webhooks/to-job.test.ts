import { describe, expect, it } from "vitest";
import { jobFromLabeledIssue, ownerAllowed } from "../../src/webhooks/to-job.js";
import { issuesLabeledPayload } from "../helpers/payloads.js";

const base = { owner: "acme", repo: "calc", number: 7, cloneUrl: "https://github.com/acme/calc.git", defaultBranch: "main" };

describe("jobFromLabeledIssue (real issues.labeled payload)", () => {
  it("builds a plain-data job keyed by the delivery id", () => {
    const decision = jobFromLabeledIssue(issuesLabeledPayload({ ...base, title: "Crash", body: "It crashes" }), "d-1", 1234);
    expect(decision.ok).toBe(true);
    if (!decision.ok) return;
    expect(decision.job).toMatchObject({
      runId: "d-1",
      deliveryId: "d-1",
      source: "github",
      receivedAt: 1234,
      repo: { owner: "acme", name: "calc", cloneUrl: "https://github.com/acme/calc.git", defaultBranch: "main" },
      installationId: 1,
      issue: { number: 7, title: "Crash", body: "It crashes" },
      label: "fixbot",
      branch: "fixbot/issue-7",
    });
    expect(JSON.parse(JSON.stringify(decision.job))).toEqual(decision.job);
  });

  it.each([
    ["a bot sender", { senderType: "Bot" as const, senderLogin: "renovate[bot]" }, "is a bot"],
    ["a closed issue", { state: "closed" as const }, "is closed"],
  ])("ignores %s", (_name, overrides, reason) => {
    const decision = jobFromLabeledIssue(issuesLabeledPayload({ ...base, ...overrides }), "d", 1);
    expect(decision).toEqual({ ok: false, reason: expect.stringContaining(reason) });
  });

  it("ignores pull requests and deliveries without an installation", () => {
    const pr = issuesLabeledPayload(base);
    pr.issue.pull_request = { url: "x" };
    expect(jobFromLabeledIssue(pr, "d", 1).ok).toBe(false);
    const noInstall = issuesLabeledPayload(base);
    delete noInstall.installation;
    expect(jobFromLabeledIssue(noInstall, "d", 1)).toEqual({ ok: false, reason: expect.stringContaining("no installation") });
  });

  it("serves only ALLOWED_OWNERS when the list is set", () => {
    const payload = issuesLabeledPayload(base);
    expect(jobFromLabeledIssue(payload, "d", 1, ["other-org"])).toEqual({ ok: false, reason: "owner acme is not in ALLOWED_OWNERS" });
    expect(jobFromLabeledIssue(payload, "d", 1, ["ACME"]).ok).toBe(true);
    expect(ownerAllowed("acme", [])).toBe(true);
  });
});
