import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { enginesUsing } from "../helpers/bot-process.js";
import { CrashLab, OWNER, Scenario, type ScenarioOptions } from "../helpers/crash-scenario.js";
import type { RequestMatcher } from "../helpers/fake-github-server.js";
import { countCommits } from "../helpers/git-remote.js";
import { loadExample } from "../helpers/payloads.js";

/**
 * Durability at the process level (README "Durability"): a real bot process is SIGKILLed inside each step of a fix
 * run, started again on the same data directory and engine port (the engine daemon survives and keeps the history;
 * the actor's wake-up alarm resumes the run), and the run must end exactly as an uninterrupted one: one tracking
 * comment ("fixbot fixed this issue"), one pull request, one pull request review on it, the fix on fixbot/issue-N, and
 * every agent/test/review command run exactly as often as the crash forces: a command that finished before the kill
 * is not repeated, the interrupted one runs again from its start. Also: a graceful SIGTERM in the middle of the
 * agent, and GitHub answers lost after the write happened (no kill: the bot's own retries must stay idempotent).
 *
 * Kills are hooked on markers, never on sleeps: commands that record their start and hold, the tracking comment
 * showing a step running, or a GitHub request held by the fake. Each scenario has its own fake GitHub, data
 * directory and engine (see crash-scenario.ts for why), and they run one after the other.
 */

/** Figures printed at the end (never asserted): restart → the interrupted step starts again, and more. */
const figures: Array<Record<string, string | number>> = [];
/** Every lab's data directory, to check at the end that no engine still uses one. */
const dataDirs: string[] = [];

afterAll(async () => {
  console.info(`crash matrix figures (ms; printed, never asserted):\n${figures.map((f) => JSON.stringify(f)).join("\n")}`);
  for (const dir of dataDirs) expect(await enginesUsing(dir), `engines still using ${dir}`).toEqual([]);
});

/** Runs `body` with a fresh lab (fake GitHub, data dir, engine, first bot); always cleans up, keeps the dir on failure. */
async function withLab(body: (lab: CrashLab, track: (s: Scenario) => Scenario) => Promise<void>): Promise<void> {
  const lab = await CrashLab.create();
  dataDirs.push(lab.dataDir);
  let failed = false;
  let current: Scenario | undefined;
  try {
    const { readyMs } = await lab.startBot();
    figures.push({ event: "fresh engine + bot start → ready", readyMs });
    await body(lab, (s) => (current = s));
  } catch (error) {
    failed = true;
    // While the bot and the engine still run: the logs, the fake's requests, the markers, the engine's actors.
    console.error(await lab.diagnostics(current).catch((e: unknown) => `no diagnostics: ${String(e)}`));
    throw error;
  } finally {
    const cleanupStarted = Date.now();
    const { enginesLeft } = await lab.cleanup({ keep: failed });
    figures.push({ event: "lab cleanup (bots, engine, dirs)", ms: Date.now() - cleanupStarted });
    if (failed) console.error(`kept the lab directory (bot logs under data/logs, markers under markers/): ${lab.root}`);
    // Checked here only when the body passed (so a leak never hides the body's own failure); afterAll checks again.
    if (!failed) expect(enginesLeft, "no engine left on the lab's data directory").toEqual([]);
  }
}

/** A crash scenario's own limit: setup, the run, a restart and, when the run is lost, the diagnosis. */
const SCENARIO_TIMEOUT_MS = 220_000;

/** How long a restarted bot gets to resume an interrupted run (it takes 5-15 s here) before it counts as lost. */
const RESUME_DEADLINE_MS = 45_000;

/**
 * Waits for the interrupted run to resume after a restart. When it does not, tells the known way it fails apart
 * from the others: the engine keeps the run's actor asleep and nothing wakes it. Before the backup wake-up cron in
 * src/actors/fix-run.ts (WAKE_BACKUP) that hit about one crash in twelve here: when the `tick` alarm fires, RivetKit
 * first tells the engine "no alarm" (EventActorSetAlarm{alarmTs: null} in its debug log: the only scheduled event
 * was just consumed) and pushes the next one only once `tick` has scheduled it; a crash in between left the engine
 * with no alarm, and the restarted bot woke nothing, ever. If it comes back, the run is woken with one request, only
 * to check that everything else about it is sound, and the test fails anyway, naming it.
 */
async function expectResumed(lab: CrashLab, s: Scenario, restartedAt: number, expected: Expected): Promise<void> {
  if (await s.waitActive(restartedAt, RESUME_DEADLINE_MS)) return;
  const actor = await s.engineActor();
  const asleep = actor !== undefined && actor.sleep_ts !== null && actor.connectable_ts === null;
  let afterWake = "";
  if (asleep) {
    const wokenAt = Date.now();
    let answered = true;
    const runs = await lab.wakeByRequest(s).catch((e: unknown) => ((answered = false), [`getRuns failed: ${String(e)}`]));
    const resumed = answered && (await s.waitActive(wokenAt, 30_000));
    const clean = resumed
      ? await s
          .waitFinal(45_000)
          .then(() => expectCleanEnd(lab, s, expected))
          .then(
            () => "and then ended cleanly",
            (e: unknown) => `but then: ${e instanceof Error ? e.message : String(e)}`,
          )
      : "and did not resume either";
    afterWake = ` One request (getRuns, which answered ${JSON.stringify(runs)}) woke it ${resumed ? `and the run resumed ${clean}` : clean}.`;
  }
  throw new Error(
    asleep
      ? `LOST WAKE-UP (a fixbot bug, not this test's; see expectResumed): the restarted bot did not resume the run within ${RESUME_DEADLINE_MS / 1000} s; the engine keeps its actor asleep (${JSON.stringify(actor)}) and no alarm wakes it.${afterWake}`
      : `the restarted bot did not resume the run within ${RESUME_DEADLINE_MS / 1000} s; engine actor: ${JSON.stringify(actor)}`,
  );
}

interface Expected {
  /** FIXBOT_ATTEMPT of every agent start, in order. */
  agent: number[];
  tests: number;
  review: number;
  push: number;
}

const UNINTERRUPTED: Expected = { agent: [1], tests: 1, review: 1, push: 1 };

/** The end state every scenario must reach, however it was interrupted. */
async function expectCleanEnd(lab: CrashLab, s: Scenario, expected: Expected): Promise<void> {
  const end = await s.endState();
  expect(
    end.tracking.map((c) => c.body),
    "exactly one tracking comment",
  ).toHaveLength(1);
  const tracking = end.tracking[0]!;
  expect(tracking.body.startsWith(end.trackingMarker)).toBe(true);
  expect(tracking.body, tracking.body).toContain("fixbot fixed this issue");
  expect(end.pulls, "exactly one pull request").toHaveLength(1);
  const pr = end.pulls[0]!;
  expect(pr).toMatchObject({ head: s.branch, base: "main", draft: false });
  expect(pr.body).toContain(`Fixes #${s.issue}`);
  expect(tracking.body).toContain(`#${pr.number}`);
  expect(
    end.reviews.map((c) => c.body),
    "exactly one review on the pull request",
  ).toHaveLength(1);
  expect(end.reviews[0]!.body).toContain("Reviewed 1 file(s): src/calc.js (+1/-1)");
  expect(end.calcOnBranch, "the branch holds the fix").toContain("a + b");
  expect(end.commitsOnBranch, "one fix commit on the branch").toBe(1);
  expect(
    end.agent.map((l) => l.attempt),
    "agent starts (FIXBOT_ATTEMPT of each)",
  ).toEqual(expected.agent);
  expect(end.tests, "test runs").toHaveLength(expected.tests);
  expect(end.review, "review runs").toHaveLength(expected.review);
  expect(end.push, "pushes that reached the remote").toHaveLength(expected.push);
  // One check run for the pushed commit, found again (never created twice) whatever was interrupted.
  const checks = lab.fake.state.checkRuns.filter((c) => c.name === "fixbot fix" && c.repo.toLowerCase() === s.fullName.toLowerCase());
  expect(
    checks.map((c) => [c.externalId, c.conclusion]),
    "exactly one fix check run",
  ).toEqual([[`fixbot-fix:${checks[0]?.headSha}`, "success"]]);
  expect(lab.fake.state.unmatched).toEqual([]);
}

interface CrashCase {
  slug: string;
  options?: ScenarioOptions;
  /** Names the test: the step the kill lands in. */
  title: string;
  /** A step whose ⏳ line after the restart gives the "restart → step starts again" figure. */
  step?: string;
  /** Fault injection armed before the webhook. */
  arm?: (s: Scenario) => void;
  /** Resolves once the bot is inside the step. */
  inside: (s: Scenario) => Promise<unknown>;
  /** Also kill the commands the bot started (git and its hook); otherwise they are orphaned, as in a real crash. */
  descendants: boolean;
  expected: Expected;
  /** The marker whose start after the restart is the interrupted command starting again. */
  rerunMarker?: "agent" | "tests" | "review" | "push";
  /** Checks of its own, after the common ones. */
  also?: (s: Scenario, ctx: { killedAt: number; restartedAt: number }) => Promise<void> | void;
}

function restartFigures(
  c: { slug: string; step?: string; rerunMarker?: CrashCase["rerunMarker"] },
  s: Scenario,
  killedAt: number,
  startedAt: number,
  readyMs: number,
) {
  return async () => {
    const figure: Record<string, string | number> = { kill: c.slug, "kill → restart": startedAt - killedAt, "restart → ready": readyMs };
    if (c.step) {
      const again = s.stepStartTimes(c.step, startedAt)[0];
      figure[`restart → ${c.step} starts again (comment)`] = again === undefined ? "not seen" : again - startedAt;
    }
    if (c.rerunMarker) {
      const again = (await s.markerLines(c.rerunMarker)).find((l) => l.time >= startedAt);
      figure[`restart → ${c.rerunMarker} command starts again (marker)`] = again === undefined ? "not seen" : again.time - startedAt;
    }
    const final = s.trackingComments()[0];
    if (final) figure["restart → final comment"] = final.versionTimes.at(-1)! - startedAt;
    figures.push(figure);
  };
}

const isPost =
  (path: RegExp): RequestMatcher =>
  (method, p) =>
    method === "POST" && path.test(p);
/** A request to `path` the fake has received and not answered yet (held by a delay or a failure's delay). */
const held = (s: Scenario, method: string, path: RegExp) => s.requests(method).some((r) => path.test(r.path) && r.status === 0);
const reviewsPath = (s: Scenario) => new RegExp(`^${s.apiPrefix}/pulls/\\d+/reviews$`);
const issueCommentsPath = (s: Scenario) => new RegExp(`^${s.apiPrefix}/issues/${s.issue}/comments$`);
const pullsPath = (s: Scenario) => new RegExp(`^${s.apiPrefix}/pulls$`);
const checkRunsPath = (s: Scenario) => new RegExp(`^${s.apiPrefix}/check-runs$`);

const CASES: CrashCase[] = [
  {
    slug: "clone",
    title: "clone-repo",
    step: "clone-repo",
    // Killed as soon as the tracking comment shows the clone running. A tiny local clone is fast: the kill may land
    // just after it finished. Either way the end state must be the same (at-least-once step, idempotent effect).
    inside: (s) => s.waitStepRunning("clone-repo"),
    descendants: true,
    expected: UNINTERRUPTED,
  },
  {
    slug: "agent",
    title: "run-agent (attempt 2; attempt 1 had finished)",
    options: { maxAttempts: 2, holdAgentAttempt: 2 },
    step: "run-agent#2",
    // Attempt 1 (a wrong change) and its failing test run finished; attempt 2 is running when the bot dies. The
    // agent's process group outlives the bot: the re-run step must kill it before it starts the agent again.
    inside: (s) => s.waitMarker("agent", 2),
    descendants: false,
    expected: { agent: [1, 2, 2], tests: 2, review: 1, push: 1 },
    rerunMarker: "agent",
  },
  {
    slug: "tests",
    title: "run-tests",
    options: { holdTests: true },
    step: "run-tests#1",
    inside: (s) => s.waitMarker("tests", 1),
    descendants: false,
    expected: { ...UNINTERRUPTED, tests: 2 },
    rerunMarker: "tests",
  },
  {
    slug: "push",
    title: "push-branch",
    options: { holdPush: true },
    step: "push-branch",
    // The remote's pre-receive hook holds the first push: git push is running when the bot (and it) dies.
    inside: (s) => s.waitMarker("push", 1),
    descendants: true,
    expected: { ...UNINTERRUPTED, push: 2 },
    rerunMarker: "push",
  },
  {
    slug: "open-pr",
    title: "open-pull-request (POST /pulls held, then written: the answer is lost)",
    step: "open-pull-request",
    // GitHub receives POST /pulls and holds it; the bot dies; GitHub then creates the pull request, and nobody gets
    // the answer. The re-run step must find that pull request instead of opening a second one.
    arm: (s) => s.lab.fake.delay({ match: isPost(pullsPath(s)), delayMs: 1_500, times: 1 }),
    inside: (s) => s.lab.fake.waitFor(() => held(s, "POST", pullsPath(s)), 90_000, "POST /pulls held"),
    descendants: false,
    expected: UNINTERRUPTED,
    also: (s, { restartedAt }) => {
      // The held POST reached GitHub before the kill and was written after it; the re-run step found that pull
      // request by its head branch (a second POST, if the write had not landed yet, gets GitHub's 422 and finds it).
      const posts = s.requests("POST").filter((r) => pullsPath(s).test(r.path));
      expect(posts[0]!.time).toBeLessThan(restartedAt);
      figures.push({ kill: "open-pr", "POST /pulls after the restart": posts.filter((r) => r.time >= restartedAt).length });
    },
  },
  {
    slug: "review",
    title: "review-change",
    options: { holdReview: true },
    step: "review-change",
    inside: (s) => s.waitMarker("review", 1),
    descendants: false,
    expected: { ...UNINTERRUPTED, review: 2 },
    rerunMarker: "review",
  },
  {
    slug: "publish-review",
    title: "publish-review (the review's POST held, then written)",
    step: "publish-review",
    // The review's POST (pulls.createReview) is held and written after the bot died.
    arm: (s) => s.lab.fake.delay({ match: isPost(reviewsPath(s)), delayMs: 1_500, times: 1 }),
    inside: (s) => s.lab.fake.waitFor(() => held(s, "POST", reviewsPath(s)), 90_000, "review POST held"),
    descendants: false,
    expected: UNINTERRUPTED,
  },
  {
    slug: "fix-check",
    title: "report-fix-check (the check run's POST held, then written: the answer is lost)",
    step: "report-fix-check",
    // GitHub receives the check run's POST and holds it; the bot dies; GitHub then creates it. The re-run step must
    // find it by its external id and update it, never create a second (expectCleanEnd counts them).
    arm: (s) => s.lab.fake.delay({ match: isPost(checkRunsPath(s)), delayMs: 1_500, times: 1 }),
    inside: (s) => s.lab.fake.waitFor(() => held(s, "POST", checkRunsPath(s)), 90_000, "check run POST held"),
    descendants: false,
    expected: UNINTERRUPTED,
  },
  {
    slug: "tracking-create",
    title: "a tracking comment update: its creation (POST held, then written)",
    step: "clone-repo",
    // The tracking comment's creation (POST) is held and written after the bot died: the re-run must find it by
    // its hidden marker and edit it, never post a second one. (The figure is the next step starting.)
    arm: (s) => s.lab.fake.delay({ match: isPost(issueCommentsPath(s)), delayMs: 1_500, times: 1 }),
    inside: (s) => s.lab.fake.waitFor(() => held(s, "POST", issueCommentsPath(s)), 90_000, "tracking comment POST held"),
    descendants: false,
    expected: UNINTERRUPTED,
  },
  {
    slug: "tracking-final",
    title: "a tracking comment update: the final edit (PATCH held, then refused)",
    // The final edit of the tracking comment is held and then refused (not written); the bot dies meanwhile. The
    // restarted bot must publish the final comment (the run is not done until it is).
    arm: (s) =>
      s.lab.fake.failNext(1, {
        status: 500,
        delayMs: 1_500,
        match: (m, p) => m === "PATCH" && p.startsWith(`${s.apiPrefix}/issues/comments/`),
        body: (raw) => raw.includes("fixbot fixed this issue"),
      }),
    inside: (s) =>
      s.lab.fake.waitFor(
        () => s.lab.fake.pendingFailures() === 0 && held(s, "PATCH", /\/issues\/comments\/\d+$/),
        90_000,
        "final tracking edit held",
      ),
    descendants: false,
    expected: UNINTERRUPTED,
  },
];

describe("crash matrix: SIGKILL the bot inside each step, start it again; the run ends once and cleanly", () => {
  for (const c of CASES) {
    it(
      `killed inside ${c.title}`,
      async () => {
        await withLab(async (lab, track) => {
          const s = track(await lab.scenario(c.slug, c.options));
          c.arm?.(s);
          await s.label();
          await c.inside(s);
          const killed = lab.requireBot();
          const killedAt = await lab.crash({ descendants: c.descendants });
          const { startedAt, readyMs } = await lab.startBot();
          await expectResumed(lab, s, startedAt, c.expected);
          await s.waitFinal();
          await restartFigures(c, s, killedAt, startedAt, readyMs)();
          await expectCleanEnd(lab, s, c.expected);
          await c.also?.(s, { killedAt, restartedAt: startedAt });
          if (c.rerunMarker && c.rerunMarker !== "push") {
            // The first start's process group was still running after the crash: the re-run step killed it.
            const first = (await s.markerLines(c.rerunMarker)).filter((l) => l.time < startedAt).at(-1)!;
            expect(
              await Scenario.processesMarked(first.token),
              `the interrupted ${c.rerunMarker} command (${first.token}) was killed`,
            ).toEqual([]);
          }
          // Nothing the crashed process started is still running.
          expect(await killed.killOrphans(), "processes the crashed bot left behind that were still running").toEqual([]);
        });
      },
      SCENARIO_TIMEOUT_MS,
    );
  }
});

/**
 * A `/fixbot fix` in a review thread of pull request #<issue> (branch `feature`): the fix is pushed to the PR's
 * branch, then fixbot replies in the thread. The reply's POST is held, the bot dies, GitHub writes the reply;
 * the restarted bot must find it by its marker: one commit on the branch, one reply in the thread.
 */
describe("review threads", () => {
  const run = promisify(execFile);
  it(
    "killed between the commit and the thread reply (the reply's POST held, then written): one commit, one reply",
    async () => {
      await withLab(async (lab, track) => {
        const s = track(await lab.scenario("thread-reply"));
        const pr = s.issue;
        const headSha = (await run("git", ["--git-dir", s.remote.dir, "rev-parse", "main"])).stdout.trim();
        await run("git", ["--git-dir", s.remote.dir, "branch", "feature", headSha]);
        lab.fake.state.pulls.push({
          repo: s.fullName,
          number: pr,
          head: "feature",
          base: "main",
          title: "Dedupe",
          body: "",
          draft: false,
          headSha,
        });
        const thread = { repo: s.fullName, pull: pr, path: "src/calc.js", line: 2, diffHunk: "@@ -1 +1 @@" };
        const root = lab.fake.reviewComments.add({ ...thread, body: "add() is wrong", author: { login: "bob", type: "User" } });
        const command = lab.fake.reviewComments.add({
          ...thread,
          body: "/fixbot fix make add() add",
          inReplyTo: root.id,
          author: { login: "alice", type: "User" },
        });
        const repliesPath = new RegExp(`^${s.apiPrefix}/pulls/${pr}/comments/${root.id}/replies$`);
        lab.fake.delay({ match: isPost(repliesPath), delayMs: 1_500, times: 1 });

        const payload = loadExample("pull_request_review_comment", "created");
        payload.comment = {
          ...payload.comment,
          id: command.id,
          body: command.body,
          user: { login: "alice", type: "User" },
          path: thread.path,
          line: 2,
          side: "RIGHT",
          diff_hunk: thread.diffHunk,
          in_reply_to_id: root.id,
        };
        payload.pull_request = { ...payload.pull_request, number: pr, title: "Dedupe", body: "", state: "open" };
        payload.sender = { ...payload.sender, login: "alice", type: "User" };
        payload.repository = {
          ...payload.repository,
          name: s.repo,
          full_name: s.fullName,
          owner: { ...payload.repository.owner, login: OWNER },
          clone_url: s.remote.url,
          default_branch: "main",
        };
        payload.installation = { id: 1 };
        const ack = await lab.requireBot().sendWebhook("pull_request_review_comment", payload, s.deliveryId);
        expect(ack.status).toBeLessThan(300);

        await lab.fake.waitFor(() => held(s, "POST", repliesPath), 120_000, "thread reply POST held");
        // The commit is on the branch already: the kill lands between it and the reply.
        expect(await countCommits(s.remote.dir, "feature")).toBe(1);
        const killed = lab.requireBot();
        const killedAt = await lab.crash({ descendants: false });
        const { startedAt, readyMs } = await lab.startBot();
        await expectResumed(lab, s, startedAt, UNINTERRUPTED);
        await s.waitFinal();
        figures.push({ kill: "thread-reply", "kill → restart": startedAt - killedAt, "restart → ready": readyMs });

        expect(s.trackingComments(), "one tracking comment on the pull request").toHaveLength(1);
        expect(s.trackingComments()[0]!.body).toContain("fixbot fixed this issue");
        expect(await countCommits(s.remote.dir, "feature"), "one commit on the PR branch").toBe(1);
        const replies = lab.fake.reviewComments.repliesIn(root.id);
        expect(
          replies.map((r) => r.body.split("\n")[0]),
          "one reply in the thread",
        ).toEqual([expect.stringContaining("fixbot:thread-reply")]);
        expect(replies[0]!.body).toContain("Pushed ");
        expect(s.pulls(), "no new pull request").toHaveLength(1);
        // The held POST reached GitHub before the kill and was written after it; the re-run step found that reply.
        const posts = s.requests("POST").filter((r) => repliesPath.test(r.path));
        expect(posts[0]!.time).toBeLessThan(startedAt);
        figures.push({ kill: "thread-reply", "reply POSTs after the restart": posts.filter((r) => r.time >= startedAt).length });
        expect(lab.fake.state.unmatched.filter((u) => u.includes(`/${s.repo}/`))).toEqual([]);
        expect(await killed.killOrphans()).toEqual([]);
      });
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe("graceful stop", () => {
  it(
    "SIGTERM in the middle of the agent: the bot exits, the restarted bot runs the agent again and finishes once",
    async () => {
      await withLab(async (lab, track) => {
        const s = track(await lab.scenario("sigterm", { holdAgentAttempt: 1 }));
        await s.label();
        const [first] = await s.waitMarker("agent", 1);
        const stopped = lab.requireBot();
        const stoppedAt = Date.now();
        const exitMs = await lab.terminate(30_000);
        figures.push({ event: "SIGTERM mid-agent → bot exited", ms: exitMs ?? "did not exit in 30 s" });
        expect(exitMs, "the bot exits on SIGTERM within 30 s").toBeDefined();
        expect(
          stopped.exitSignal() === "SIGTERM" || (await stopped.exited) === 0,
          `exit code ${await stopped.exited}, signal ${stopped.exitSignal()}`,
        ).toBe(true);
        const { startedAt, readyMs } = await lab.startBot();
        await expectResumed(lab, s, startedAt, { ...UNINTERRUPTED, agent: [1, 1] });
        await s.waitFinal();
        await restartFigures({ slug: "sigterm", step: "run-agent#1", rerunMarker: "agent" }, s, stoppedAt, startedAt, readyMs)();
        await expectCleanEnd(lab, s, { ...UNINTERRUPTED, agent: [1, 1] });
        expect(await Scenario.processesMarked(first!.token), "the agent running at SIGTERM is gone").toEqual([]);
        expect(await stopped.killOrphans()).toEqual([]);
      });
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe("GitHub applied the write but the answer was lost (no kill): the bot's own retries stay idempotent", () => {
  type Lost = { slug: string; path: (s: Scenario) => RegExp; drop: boolean };
  // 500 after the write, or the connection reset after the write: either way the bot never learns it happened.
  const LOST: Lost[] = [
    { slug: "lost-pr-500", path: pullsPath, drop: false },
    { slug: "lost-pr-reset", path: pullsPath, drop: true },
    { slug: "lost-review-500", path: reviewsPath, drop: false },
    { slug: "lost-review-reset", path: reviewsPath, drop: true },
    { slug: "lost-tracking-500", path: issueCommentsPath, drop: false },
  ];
  // No crash here, so the five runs share one lab and run at once; each test reads the problems of its runs.
  let lab: CrashLab | undefined;
  let failed = false;
  const problems = new Map<string, string[]>();

  beforeAll(async () => {
    lab = await CrashLab.create();
    dataDirs.push(lab.dataDir);
    const { readyMs } = await lab.startBot();
    figures.push({ event: "fresh engine + bot start → ready", readyMs });
    const runs: Array<{ l: Lost; s: Scenario }> = [];
    for (const l of LOST) {
      const s = await lab.scenario(l.slug);
      lab.fake.failNext(1, { status: 500, afterWrite: true, drop: l.drop, match: isPost(l.path(s)) });
      runs.push({ l, s });
    }
    await Promise.all(runs.map(({ s }) => s.label()));
    await Promise.all(
      runs.map(async ({ l, s }) => {
        const found: string[] = [];
        try {
          await s.waitFinal();
          const injected = s.requests("POST").filter((r) => l.path(s).test(r.path) && r.injected);
          expect(injected, "the lost answer was injected").toHaveLength(1);
          await expectCleanEnd(lab!, s, UNINTERRUPTED);
        } catch (error) {
          found.push(error instanceof Error ? error.message : String(error));
        }
        problems.set(l.slug, found);
      }),
    );
  }, SCENARIO_TIMEOUT_MS);

  afterAll(async () => {
    if (!lab) return;
    const { enginesLeft } = await lab.cleanup({ keep: failed });
    if (failed) console.error(`kept the lab directory: ${lab.root}`);
    expect(enginesLeft).toEqual([]);
  });

  const problemsOf = (slugs: string[]) =>
    slugs.flatMap((slug) => (problems.get(slug) ?? [`${slug}: no result`]).map((p) => `${slug}: ${p}`));

  it("POST /pulls answered 500 / connection reset after the pull request was created: one pull request", async () => {
    onTestFailed(async () => {
      failed = true;
      if (lab) console.error(await lab.diagnostics());
    });
    const found = problemsOf(["lost-pr-500", "lost-pr-reset"]);
    expect(found, found.join("\n\n")).toEqual([]);
  });

  it("a review or comment POST whose answer is lost after GitHub wrote it: still one review and one tracking comment", async () => {
    onTestFailed(async () => {
      failed = true;
      if (lab) console.error(await lab.diagnostics());
    });
    // Octokit must not retry the POST blindly (it would post twice); the step's retry finds the marker first.
    const found = problemsOf(["lost-review-500", "lost-review-reset", "lost-tracking-500"]);
    expect(found, found.join("\n\n")).toEqual([]);
  });
});
