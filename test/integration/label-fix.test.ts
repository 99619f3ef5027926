import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { trackingMarker } from "../../src/github/comment-body.js";
import { engineCall, type AppHarness } from "../helpers/app-harness.js";
import { useAppHarness } from "../helpers/integration-suite.js";
import { fakeGitHub, TEST_TOKEN, type FakeGitHubState } from "../helpers/fake-github-nock.js";
import { createBareRemote, listRemoteBranches, readRemoteFile, runInClone } from "../helpers/git-remote.js";
import { calcIssueLabeledPayload } from "../helpers/payloads.js";
import { Scenario } from "../helpers/crash-scenario.js";

const ROOT = join(import.meta.dirname, "..", "..");
const AGENTS = join(ROOT, "fixtures", "agents");
const CALC = join(ROOT, "fixtures", "repos", "calc");
const OWNER = "acme";

const suite = useAppHarness();
let harness: AppHarness;
beforeAll(() => {
  harness = suite.harness();
});

function yaml(lines: Record<string, string | number | boolean>): string {
  return Object.entries(lines)
    .map(([k, v]) => {
      const path = k.split(".");
      return path.length === 1 ? `${k}: ${JSON.stringify(v)}` : `${path[0]}:\n  ${path[1]}: ${JSON.stringify(v)}`;
    })
    .join("\n");
}

/** A repository (bare remote from the calc fixture) and a fake GitHub serving it, with a config. */
async function scenario(
  repo: string,
  config: Record<string, string | number | boolean> | undefined,
  roles: Record<string, string> = { alice: "write" },
  faults?: Parameters<typeof fakeGitHub>[0]["faults"],
) {
  const remote = await createBareRemote({ fixture: CALC });
  suite.onCleanup(remote.cleanup);
  const fake = fakeGitHub({ owner: OWNER, repo, configYaml: config ? yaml(config) : undefined, roles, faults });
  suite.useFake(fake.stop);
  const label = async (
    params: { number?: number; label?: string; sender?: string; senderType?: "User" | "Bot"; deliveryId?: string } = {},
  ) =>
    harness.probot.receive({
      id: params.deliveryId ?? `delivery-${repo}-${Math.random().toString(36).slice(2)}`,
      name: "issues",
      payload: calcIssueLabeledPayload({
        owner: OWNER,
        repo,
        number: params.number ?? 1,
        label: params.label ?? "fixbot",
        senderLogin: params.sender ?? "alice",
        senderType: params.senderType,
        cloneUrl: remote.url,
      }),
    } as never);
  return { remote, fake: fake.state, label };
}

function trackingComments(state: FakeGitHubState, issue = 1) {
  return state.comments.filter((c) => c.issue === issue && c.body.includes("fixbot:tracking"));
}

const withReview = (agent: string) => ({ "agent.command": join(AGENTS, agent), "review.command": join(AGENTS, "review.sh") });

describe("labelling an issue runs the durable fix workflow", () => {
  it("fixes the bug on the first attempt: branch pushed, PR opened, review posted, one tracking comment", async () => {
    const { remote, fake, label } = await scenario("calc-first", withReview("fix-calc.sh"));
    await label();
    const [run] = await harness.waitForRuns(`${OWNER}/calc-first`, 1);
    expect(run?.status).toBe("fixed");
    expect(run?.attempts).toBe(1);

    const fixed = await readRemoteFile(remote.dir, "fixbot/issue-1", "src/calc.js");
    expect(fixed).toContain("a + b");
    expect((await runInClone(remote.dir, "fixbot/issue-1", "npm test")).exitCode).toBe(0);

    expect(fake.pulls).toHaveLength(1);
    const pr = fake.pulls[0]!;
    expect(pr.head).toBe("fixbot/issue-1");
    expect(pr.base).toBe("main");
    expect(pr.draft).toBe(false);
    expect(pr.body).toContain("Fixes #1");
    expect(pr.body).toContain("src/calc.js");
    expect(pr.body).toMatch(/npm test.*passed/);

    // The chained review is a real pull request review on the pushed commit, not a comment.
    const head = (await listRemoteBranches(remote.dir))["fixbot/issue-1"]!;
    expect(fake.reviews).toHaveLength(1);
    const review = fake.reviews[0]!;
    expect(review).toMatchObject({ pull: pr.number, commitId: head, event: "COMMENT", comments: [] });
    expect(review.body.startsWith(`<!-- fixbot:pr-review head=${head} -->`)).toBe(true);
    expect(review.body).toContain("Reviewed 1 file(s): src/calc.js (+1/-1)");
    expect(fake.comments.filter((c) => c.issue === pr.number)).toEqual([]);

    const tracking = trackingComments(fake);
    expect(tracking).toHaveLength(1);
    expect(tracking[0]!.body.startsWith(trackingMarker(run!.runId))).toBe(true);
    expect(tracking[0]!.body).toContain("fixbot fixed this issue");
    expect(tracking[0]!.body).toContain(`#${pr.number}`);
    expect(tracking[0]!.body).toMatch(/\[x\] Agent edits the code \(attempt 1\) — \d/);
    // Progress was shown while it ran: the comment was edited many times, never posted twice.
    expect(tracking[0]!.versions.length).toBeGreaterThan(5);
    expect(tracking[0]!.versions.some((v) => v.includes("fixbot is working on this issue"))).toBe(true);
    // The token never reached a comment or the PR.
    for (const text of [...fake.comments.flatMap((c) => c.versions), pr.body, review.body]) expect(text).not.toContain(TEST_TOKEN);
    expect(fake.unmatched, fake.unmatched.join("\n")).toEqual([]);
  });

  it("the chained review's findings on changed lines become inline comments; the others go into the review body", async () => {
    const { remote, fake, label } = await scenario("calc-inline", {
      "agent.command": join(AGENTS, "fix-calc.sh"),
      "review.command": join(AGENTS, "review-findings.sh"),
    });
    await label();
    const [run] = await harness.waitForRuns(`${OWNER}/calc-inline`, 1);
    expect(run?.status, JSON.stringify(run?.error)).toBe("fixed");
    const head = (await listRemoteBranches(remote.dir))["fixbot/issue-1"]!;
    expect(fake.reviews).toHaveLength(1);
    const review = fake.reviews[0]!;
    expect(review.commitId).toBe(head);
    // The fix changed line 3 of src/calc.js: that finding is placed on it; README.md is not in the diff.
    expect(review.comments).toEqual([
      { path: "src/calc.js", line: 3, side: "RIGHT", body: expect.stringContaining("Inline: check this added line.") },
    ]);
    expect(review.body).toContain("Findings outside the diff (1)");
    expect(review.body).toContain("`README.md:1` — Outside: the README does not mention this change.");
    expect(review.body).not.toContain('{"path"');
    expect(review.body).toContain(`Reviewed commits ${run!.checkpoint!.clone!.baseSha.slice(0, 7)}..${head.slice(0, 7)}`);
    const tracking = trackingComments(fake)[0]!;
    expect(tracking.body).toMatch(/\[x\] Publish the review — .*1 inline comment\(s\)/);
  });

  it("fixes on the second attempt, feeding the failing test output back to the agent", async () => {
    const { remote, fake, label } = await scenario("calc-second", withReview("fix-calc-second-try.sh"));
    await label();
    const [run] = await harness.waitForRuns(`${OWNER}/calc-second`, 1);
    expect(run?.status).toBe("fixed");
    expect(run?.attempts).toBe(2);
    expect(run?.steps.map((s) => s.name)).toEqual(
      expect.arrayContaining(["run-agent#1", "run-tests#1", "run-agent#2", "run-tests#2", "push-branch"]),
    );
    expect(run?.steps.find((s) => s.name === "run-tests#1")?.detail).toMatch(/failed/);
    expect(await readRemoteFile(remote.dir, "fixbot/issue-1", "src/calc.js")).toContain("a + b");
    expect(fake.pulls).toHaveLength(1);
    expect(fake.pulls[0]!.body).toContain("after 2 agent attempt(s)");
    expect(trackingComments(fake)).toHaveLength(1);
  });

  it("never fixed: no branch, no PR, and the final comment says so with the test output tail", async () => {
    const { remote, fake, label } = await scenario("calc-never", { ...withReview("never-fix.sh"), maxAttempts: 2 });
    await label();
    const [run] = await harness.waitForRuns(`${OWNER}/calc-never`, 1);
    expect(run?.status).toBe("tests-failing");
    expect(run?.attempts).toBe(2);
    expect(Object.keys(await listRemoteBranches(remote.dir))).toEqual(["main"]);
    expect(fake.pulls).toHaveLength(0);
    const [tracking] = trackingComments(fake);
    expect(tracking?.body).toContain("could not make the tests pass after 2 attempt(s). No pull request was opened.");
    expect(tracking?.body).toContain("Output (tail)");
    expect(tracking?.body).toContain("# fail 1");
  });

  it("agent makes no change: says so loudly and opens nothing", async () => {
    const { remote, fake, label } = await scenario("calc-nochange", withReview("no-change.sh"));
    await label();
    const [run] = await harness.waitForRuns(`${OWNER}/calc-nochange`, 1);
    expect(run?.status).toBe("no-change");
    expect(run?.steps.some((s) => s.name.startsWith("run-tests"))).toBe(false);
    expect(Object.keys(await listRemoteBranches(remote.dir))).toEqual(["main"]);
    expect(fake.pulls).toHaveLength(0);
    expect(trackingComments(fake)[0]?.body).toContain("made NO change");
  });

  it("agent times out: its process is killed and the run ends in a clear error", async () => {
    const { fake, label } = await scenario("calc-timeout", { ...withReview("slow.sh"), "timeouts.agent": 5 });
    await label();
    const [run] = await harness.waitForRuns(`${OWNER}/calc-timeout`, 1);
    expect(run?.status).toBe("error");
    expect(run?.error?.message, JSON.stringify(run?.error)).toContain("ran out of time (5 s)");
    const [tracking] = trackingComments(fake);
    expect(tracking?.body).toContain("stopped with an error");
    expect(tracking?.body).toContain("timeouts.agent");
    expect(fake.pulls).toHaveLength(0);
  });

  it("invalid repo config: the comment names the bad field and the expected form", async () => {
    const { fake, label } = await scenario("calc-badconfig", { ...withReview("fix-calc.sh"), maxAttempts: "three" });
    await label();
    const [run] = await harness.waitForRuns(`${OWNER}/calc-badconfig`, 1);
    expect(run?.status).toBe("error");
    const [tracking] = trackingComments(fake);
    expect(tracking?.body).toContain("`.github/fixbot.yml` is invalid");
    expect(tracking?.body).toMatch(/`maxAttempts`: Expected number, received string/);
    expect(fake.pulls).toHaveLength(0);
  });

  it("a sender without triage access gets nothing run and nothing posted", async () => {
    const { remote, fake, label } = await scenario("calc-noperm", withReview("fix-calc.sh"), { alice: "write" });
    await label({ sender: "mallory" });
    const [run] = await harness.waitForRuns(`${OWNER}/calc-noperm`, 1);
    expect(run?.status).toBe("ignored");
    expect(run?.ignoredReason).toContain("@mallory has read access");
    expect(fake.comments).toHaveLength(0);
    expect(fake.writes).toHaveLength(0);
    expect(Object.keys(await listRemoteBranches(remote.dir))).toEqual(["main"]);
  });

  it("a label that is not ours does nothing (and a configured custom label works)", async () => {
    const { fake, label } = await scenario("calc-label", { ...withReview("fix-calc.sh"), label: "autofix" });
    await label({ label: "bug" });
    const [ignored] = await harness.waitForRuns(`${OWNER}/calc-label`, 1);
    expect(ignored?.status).toBe("ignored");
    expect(fake.writes).toHaveLength(0);
    await label({ label: "autofix" });
    const runs = await harness.waitForRuns(`${OWNER}/calc-label`, 1, 2);
    expect(runs[1]?.status).toBe("fixed");
    expect(fake.pulls).toHaveLength(1);
  });

  it("bot senders and closed issues are ignored before anything is enqueued", async () => {
    const { fake, label } = await scenario("calc-bot", withReview("fix-calc.sh"));
    await label({ senderType: "Bot", sender: "dependabot[bot]" });
    const runs = await engineCall(() => harness.runtime.client.fixRun.getOrCreate([`${OWNER}/calc-bot`, "1"]).getRuns());
    expect(runs).toEqual([]);
    expect(fake.tokenRequests).toBe(0);
  });

  it("a second label event while a run is in progress, and a duplicate delivery, start no second run", async () => {
    const { fake, label } = await scenario("calc-twice", withReview("fix-calc.sh"));
    await label({ deliveryId: "dup-1" });
    await label({ deliveryId: "dup-1" });
    await label({ deliveryId: "second-label" });
    const runs = await harness.waitForRuns(`${OWNER}/calc-twice`, 1);
    // A sentinel after the run: a label by someone without triage access is admitted (it came after the run) and
    // ignored. The actor takes jobs in order, so once it is there, the duplicates before it were refused.
    await label({ deliveryId: "sentinel", sender: "rita" });
    const all = await harness.waitForRuns(`${OWNER}/calc-twice`, 1, 2);
    expect(all.map((r) => [r.runId, r.status])).toEqual([
      ["dup-1", "fixed"],
      ["sentinel", "ignored"],
    ]);
    expect(runs[0]?.status).toBe("fixed");
    expect(fake.pulls).toHaveLength(1);
    expect(trackingComments(fake)).toHaveLength(1);
  });

  it("GitHub 5xx and secondary rate limits are retried: still one PR and one tracking comment", async () => {
    const { fake, label } = await scenario("calc-faults", withReview("fix-calc.sh"), { alice: "write" }, [
      { method: "POST", path: /\/pulls$/, status: 502, times: 1 },
      {
        method: "POST",
        path: /\/issues\/1\/comments$/,
        status: 403,
        times: 1,
        headers: { "retry-after": "1" },
        body: { message: "You have exceeded a secondary rate limit." },
      },
    ]);
    await label();
    const [run] = await harness.waitForRuns(`${OWNER}/calc-faults`, 1);
    expect(run?.status).toBe("fixed");
    expect(fake.faultsServed).toBe(2);
    expect(fake.pulls).toHaveLength(1);
    expect(trackingComments(fake)).toHaveLength(1);
    expect(run?.steps.find((s) => s.name === "open-pull-request")?.starts).toBe(2);
  });

  it("a hanging test command is killed at its timeout; a failed job does not wedge the issue: the next label runs normally", async () => {
    const { fake, label } = await scenario("calc-hang", {
      ...withReview("fix-calc.sh"),
      testCommand: "sleep 300",
      "timeouts.tests": 5,
      maxAttempts: 1,
    });
    await label();
    const [first] = await harness.waitForRuns(`${OWNER}/calc-hang`, 1);
    expect(first?.status).toBe("tests-failing");
    expect(first?.tests?.timedOut).toBe(true);
    expect(trackingComments(fake)[0]?.body).toContain("timed out");
    // Remove and re-add the label: a new run on the same actor works.
    await label({ deliveryId: "calc-hang-again" });
    const runs = await harness.waitForRuns(`${OWNER}/calc-hang`, 1, 2);
    expect(runs[1]?.status).toBe("tests-failing");
    expect(trackingComments(fake)).toHaveLength(2);
  });

  it("cancel stops the agent mid-step (its process is killed) and the comment says who cancelled", async () => {
    // The agent marks its processes with a token (the sandbox hides host pids) in the shared directory.
    const markFile = join(harness.sharedDir, "cancel-agent.mark");
    const agent = `FIXBOT_TEST_MARK=$(cat /proc/sys/kernel/random/uuid); export FIXBOT_TEST_MARK; echo $FIXBOT_TEST_MARK > ${markFile}; exec sleep 300`;
    const { fake, label } = await scenario("calc-cancel", { "agent.command": agent });
    await label();
    const handle = harness.runtime.client.fixRun.getOrCreate([`${OWNER}/calc-cancel`, "1"]);
    let token = "";
    for (let i = 0; i < 1800 && !token; i++) {
      token = (await readFile(markFile, "utf8").catch(() => "")).trim();
      if (!token) await new Promise((r) => setTimeout(r, 100));
    }
    expect(token).not.toBe("");
    expect(await Scenario.processesMarked(token)).not.toEqual([]);
    expect(await engineCall(() => handle.cancel("alice"))).toEqual(expect.any(String));
    const [run] = await harness.waitForRuns(`${OWNER}/calc-cancel`, 1);
    expect(run?.status).toBe("cancelled");
    expect(run?.cancelledBy).toBe("alice");
    expect(run?.steps.find((s) => s.name === "run-agent#1")).toMatchObject({ status: "failed", starts: 1, detail: "cancelled by @alice" });
    expect(await Scenario.processesMarked(token)).toEqual([]);
    expect(trackingComments(fake)[0]?.body).toContain("cancelled by @alice");
    expect(await engineCall(() => handle.cancel("alice"))).toBeNull();
  });

  it("a budget used up stops the agent and the comment names the budget; nothing is pushed", async () => {
    const agent = `i=0; while true; do i=$((i+4000)); echo "{\\"inputTokens\\": $i}" > "$FIXBOT_USAGE_FILE"; sleep 0.05; done`;
    const { remote, fake, label } = await scenario("calc-budget", { "agent.command": agent, "budgets.tokens": 20000 });
    await label();
    const [run] = await harness.waitForRuns(`${OWNER}/calc-budget`, 1);
    expect(run?.status).toBe("error");
    expect(run?.error?.message).toContain("token budget (20,000");
    const [tracking] = trackingComments(fake);
    expect(tracking?.body).toContain("used up its token budget");
    expect(tracking?.body).toContain("budgets.tokens");
    expect(Object.keys(await listRemoteBranches(remote.dir))).toEqual(["main"]);
  });

  it("the workspace is a cache: wiped right after the tests pass, the run rebuilds it from the recorded patch and finishes", async () => {
    // The workspace is the sandbox's /workspace mount: its contents go (the mount point itself cannot).
    const wipeAfterTests = `npm test && find . -mindepth 1 -delete`;
    const { remote, fake, label } = await scenario("calc-wiped", { ...withReview("fix-calc.sh"), testCommand: wipeAfterTests });
    await label();
    const [run] = await harness.waitForRuns(`${OWNER}/calc-wiped`, 1);
    expect(run?.status).toBe("fixed");
    expect(await readRemoteFile(remote.dir, "fixbot/issue-1", "src/calc.js")).toContain("a + b");
    expect((await runInClone(remote.dir, "fixbot/issue-1", "npm test")).exitCode).toBe(0);
    expect(fake.pulls).toHaveLength(1);
  });
});
