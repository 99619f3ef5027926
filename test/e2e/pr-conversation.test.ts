import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import {
  engineLogTail,
  enginePid,
  enginesUsing,
  isAlive,
  startReadyBot,
  stopBotAndEngine,
  type BotProcess,
} from "../helpers/bot-process.js";
import { startFakeGitHub, type FakeGitHubServer, type FakeServerComment } from "../helpers/fake-github-server.js";
import type { FakeAuthor } from "../helpers/fake-reviews.js";
import { countCommits, createBareRemote, listRemoteBranches, readRemoteFile } from "../helpers/git-remote.js";
import { loadExample } from "../helpers/payloads.js";
import { pullRequestPayload } from "../helpers/pr-payloads.js";
import { pushPullRequestCommit } from "../helpers/pr-remote.js";

/**
 * Issue #16's "done when", through the REAL bot process (README "Pull requests: slash commands and automatic
 * review", "Review threads"): one bot started as a child process against the HTTP fake GitHub (REST under
 * /api/v3, GraphQL `reviewThreads` under /api/graphql), real bare git remotes and the embedded engine. Three
 * repositories in one fake: `pr-review` (automatic review with suggestions and a check run), `pr-ask` (`/fixbot ask`
 * on an issue and in a line comment) and `pr-threads` (`/fixbot fix` taking the unresolved review threads).
 * Every wait is on a positive sentinel: the check run, the answer, the final tracking comment.
 */

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const AGENTS = join(ROOT, "fixtures", "agents");
const CALC = join(ROOT, "fixtures", "repos", "calc");
const OWNER = "acme";
const alice: FakeAuthor = { login: "alice", type: "User" };
const bob: FakeAuthor = { login: "bob", type: "User" };
const HUNK = "@@ -0,0 +1,4 @@\n+export function dedupe(xs) {\n+  const seen = [];";
const DEDUPE = "export function dedupe(xs) {\n  const seen = [];\n  return xs.filter((x) => !seen.includes(x) && seen.push(x));\n}\n";
const FINAL_HEADER = /fixbot fixed this issue|could not make the tests pass|made NO change|stopped with an error|run was cancelled/;

let root: string;
let dataDir: string;
/** The one host directory the sandboxed agents may write besides their workspace: where the fixer keeps its task. */
let shared: string;
let fake: FakeGitHubServer;
let bot: BotProcess;
let engine: number | undefined;
let failed = false;
const remotes: Record<string, Awaited<ReturnType<typeof createBareRemote>>> = {};

/** The answering agent (`review.command` answers `/fixbot ask`): names the tokens it was given, lists src, then edits a file. */
const ASK_AGENT = `printf 'saw: %s; files: %s\\n' "$(grep -o 'token-[a-z]*' "$FIXBOT_TASK_FILE" | sort -u | tr '\\n' ' ')" "$(ls src | tr '\\n' ' ')"; echo changed > src/calc.js`;

function configs(): Record<string, string> {
  const fixer = `cat "$FIXBOT_TASK_FILE" > ${join(shared, "threads-task.txt")}; exec ${join(AGENTS, "fix-calc.sh")}`;
  return {
    "pr-review": `review:\n  command: ${JSON.stringify(join(AGENTS, "review-suggestions.sh"))}\npullRequests:\n  failOn: warning\n`,
    "pr-ask": `review:\n  command: ${JSON.stringify(ASK_AGENT)}\n`,
    "pr-threads": `agent:\n  command: ${JSON.stringify(fixer)}\n`,
  };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "fixbot-pr-e2e-"));
  dataDir = join(root, "data");
  shared = join(root, "shared");
  await mkdir(dataDir, { recursive: true });
  await mkdir(shared, { recursive: true });
  await chmod(shared, 0o777);
  const repos = Object.fromEntries(
    Object.entries(configs()).map(([name, configYaml]) => [name, { owner: OWNER, configYaml, roles: { alice: "write" } }]),
  );
  for (const name of Object.keys(repos)) remotes[name] = await createBareRemote({ fixture: CALC });
  fake = await startFakeGitHub({ repos });
  try {
    bot = await startReadyBot(
      { fakeGitHub: fake, dataDir, env: { FIXBOT_SANDBOX_RW_PATHS: shared } },
      { readyTimeoutMs: 60_000, onRetry: (e) => console.warn(`bot start failed, retrying once: ${e.message}`) },
    );
  } catch (error) {
    failed = true;
    throw error;
  }
  engine = await enginePid(dataDir);
}, 120_000);

afterAll(async () => {
  await stopBotAndEngine({ bot, dataDir, fake });
  for (const remote of Object.values(remotes)) await remote.cleanup();
  if (engine !== undefined) expect(await isAlive(engine), `engine pid ${engine} still running`).toBe(false);
  if (dataDir) expect(await enginesUsing(dataDir)).toEqual([]);
  if (root && failed) console.error(`kept the bot's data directory (logs under data/logs): ${root}`);
  else if (root) await rm(root, { recursive: true, force: true });
}, 60_000);

/** Prints the bot's log tail and the fake's view of one repository when the current test fails. */
function diagnoseOnFailure(repo: string): void {
  onTestFailed(async () => {
    failed = true;
    const requests = fake.state.requests.filter((r) => r.path.includes(`/${repo}/`) || r.path === "/graphql");
    console.error(
      [
        `bot log tail (${bot.logFile}):`,
        await bot.logTail(80),
        `requests for ${repo}: ${JSON.stringify(requests.map((r) => `${r.method} ${r.path}${r.query} ${r.status}`))}`,
        `unmatched: ${JSON.stringify(fake.state.unmatched)}`,
        `engine log tail:\n${await engineLogTail(dataDir)}`,
      ].join("\n"),
    );
  });
}

/** Pull request `number` of `repo` (branch `feature`, one commit writing `files`), pushed to the remote and known to the fake. */
async function openPull(repo: string, number: number, files: Record<string, string>): Promise<string> {
  const headSha = await pushPullRequestCommit({ bareDir: remotes[repo]!.dir, number, parent: "main", branch: "feature", files });
  fake.state.pulls.push({
    repo: `${OWNER}/${repo}`,
    number,
    head: "feature",
    base: "main",
    title: "Add a feature",
    body: "",
    draft: false,
    headSha,
  });
  return headSha;
}

function repository(payload: any, repo: string) {
  return {
    ...payload.repository,
    name: repo,
    full_name: `${OWNER}/${repo}`,
    owner: { ...payload.repository.owner, login: OWNER },
    clone_url: remotes[repo]!.url,
    default_branch: "main",
  };
}

let nextCommentId = 880_000;

/** Alice's comment on an issue or on a pull request's conversation, as a signed `issue_comment` webhook. */
async function commentOn(repo: string, number: number, body: string, pr: boolean): Promise<void> {
  const payload = loadExample("issue_comment", "created");
  payload.comment = { ...payload.comment, id: nextCommentId++, body, user: { ...payload.comment.user, ...alice } };
  payload.sender = { ...payload.sender, ...alice };
  payload.issue = { ...payload.issue, number, title: "add() returns the wrong result", body: "token-issuebody", state: "open" };
  if (pr) payload.issue.pull_request = { url: `${fake.apiUrl}/repos/${OWNER}/${repo}/pulls/${number}` };
  else delete payload.issue.pull_request;
  payload.repository = repository(payload, repo);
  payload.installation = { id: 1 };
  const ack = await bot.sendWebhook("issue_comment", payload);
  expect(ack.status, ack.body).toBeLessThan(300);
}

/** Alice's line comment `body` replying in the thread whose root is `rootId`: stored on the fake, then sent as a webhook. */
async function replyInThread(repo: string, pull: number, rootId: number, body: string): Promise<void> {
  const threadRoot = fake.reviewComments.comments.find((c) => c.id === rootId)!;
  const stored = fake.reviewComments.add({ ...threadRoot, id: undefined, body, inReplyTo: rootId, author: alice });
  const payload = loadExample("pull_request_review_comment", "created");
  payload.comment = {
    ...payload.comment,
    id: stored.id,
    body,
    user: { ...payload.comment.user, ...alice },
    path: stored.path,
    line: stored.line,
    start_line: null,
    side: "RIGHT",
    diff_hunk: stored.diffHunk,
    in_reply_to_id: rootId,
  };
  payload.pull_request = { ...payload.pull_request, number: pull, title: "Add a feature", body: "", state: "open" };
  payload.sender = { ...payload.sender, ...alice };
  payload.repository = repository(payload, repo);
  payload.installation = { id: 1 };
  const ack = await bot.sendWebhook("pull_request_review_comment", payload);
  expect(ack.status, ack.body).toBeLessThan(300);
}

/** A thread root (a line comment by bob) on a pull request. */
function thread(repo: string, pull: number, path: string, body: string, resolved = false) {
  return fake.reviewComments.add({ repo: `${OWNER}/${repo}`, pull, path, line: 2, diffHunk: HUNK, body, resolved, author: bob });
}

const repliesOn = (repo: string, issue: number): FakeServerComment[] => fake.commentsOn(repo, issue, "fixbot:reply");
const ofRepo = (repo: string) => (x: { repo: string }) => x.repo === `${OWNER}/${repo}`;

describe("pull requests through the real bot process", { timeout: 150_000 }, () => {
  it("an opened PR is reviewed: a replacement on a changed line is a suggestion block, and the check run fails as failOn: warning asks", async () => {
    const repo = "pr-review";
    diagnoseOnFailure(repo);
    const calc = (await readFile(join(CALC, "src", "calc.js"), "utf8")).replace("a - b", "a + b");
    const headSha = await openPull(repo, 7, { "src/calc.js": calc });
    const payload = pullRequestPayload({ action: "opened", owner: OWNER, repo, number: 7, headSha, cloneUrl: remotes[repo]!.url });
    const ack = await bot.sendWebhook("pull_request", payload);
    expect(ack.status, ack.body).toBeLessThan(300);

    // The check is written once the review is posted: its completion is the end of the run.
    await fake.waitFor((s) => s.checkRuns.some((c) => ofRepo(repo)(c) && c.status === "completed"), 120_000, "the review's check run");
    const reviews = fake.state.reviews.filter((r) => ofRepo(repo)(r) && !r.author);
    expect(reviews).toHaveLength(1);
    expect(reviews[0]).toMatchObject({ pull: 7, commitId: headSha, event: "COMMENT" });
    expect(reviews[0]!.comments).toEqual([
      {
        path: "src/calc.js",
        line: 3,
        side: "RIGHT",
        body: "❌ **error** Write the sum the other way round.\n\n```suggestion\n  return b + a;\n```",
      },
    ]);
    // The replacement outside the diff stays in the body, as plain code.
    expect(reviews[0]!.body).toContain("`README.md:1` — Outside: name the change here.");
    expect(reviews[0]!.body).not.toContain("```suggestion");
    const checks = fake.state.checkRuns.filter(ofRepo(repo));
    expect(checks).toEqual([
      expect.objectContaining({
        name: "fixbot review",
        headSha,
        externalId: `fixbot-review:${headSha}`,
        status: "completed",
        conclusion: "failure",
        title: "2 findings: 1 error, 1 info",
        detailsUrl: expect.stringContaining(`#pullrequestreview-${reviews[0]!.id}`),
      }),
    ]);
    expect(checks[0]!.summary).toContain("`pullRequests.failOn` is `warning`");
    expect(Object.keys(await listRemoteBranches(remotes[repo]!.dir)).sort()).toEqual(["feature", "main"]);
    expect(fake.state.unmatched).toEqual([]);
  });

  it("/fixbot ask on an issue: one reply with the agent's answer, nothing pushed and no pull request", async () => {
    const repo = "pr-ask";
    diagnoseOnFailure(repo);
    const before = await listRemoteBranches(remotes[repo]!.dir);
    await commentOn(repo, 3, "/fixbot ask where is add defined? token-question", false);

    await fake.waitFor(() => repliesOn(repo, 3).some((c) => c.body.includes("saw:")), 120_000, "the answer on issue #3");
    const replies = repliesOn(repo, 3);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toContain("**Answer** to @alice's question (read-only: nothing was changed or pushed)");
    expect(replies[0]!.body).toMatch(/saw: token-issuebody token-question ?; files: calc\.js/);
    expect(fake.commentsOn(repo, 3)).toHaveLength(1);
    expect(await listRemoteBranches(remotes[repo]!.dir)).toEqual(before);
    expect(fake.state.pulls.filter(ofRepo(repo))).toEqual([]);
    expect(fake.state.checkRuns.filter(ofRepo(repo))).toEqual([]);
    expect(fake.state.unmatched).toEqual([]);
  });

  it("/fixbot ask in a line comment: the answer is a reply in that thread, with the thread as context; nothing pushed", async () => {
    const repo = "pr-ask";
    diagnoseOnFailure(repo);
    await openPull(repo, 8, { "src/a.js": DEDUPE });
    const before = await listRemoteBranches(remotes[repo]!.dir);
    const root = thread(repo, 8, "src/a.js", "This loop is quadratic. token-thread");
    await replyInThread(repo, 8, root.id, "/fixbot ask why is this quadratic? token-question");

    await fake.waitFor(() => fake.reviewComments.repliesIn(root.id).length > 0, 120_000, "the answer in the thread");
    const replies = fake.reviewComments.repliesIn(root.id);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toContain("**Answer** to @alice's question (read-only: nothing was changed or pushed)");
    expect(replies[0]!.body).toMatch(/saw: token-question token-thread ?; files: a\.js calc\.js/);
    // Posted as a reply in the thread (GitHub's "reply to a review comment"), not on the conversation.
    const replyPosts = fake.state.requests.filter(
      (r) => r.method === "POST" && r.path.endsWith(`/${repo}/pulls/8/comments/${root.id}/replies`),
    );
    expect(replyPosts.map((r) => r.status)).toEqual([201]);
    expect(fake.commentsOn(repo, 8)).toEqual([]);
    expect(await listRemoteBranches(remotes[repo]!.dir)).toEqual(before);
    expect(fake.state.pulls.filter(ofRepo(repo)).map((p) => p.number)).toEqual([8]);
    expect(fake.state.unmatched).toEqual([]);
  });

  it("/fixbot fix on a PR with two unresolved threads and one resolved: the task holds the two, one commit, one reply in each", async () => {
    const repo = "pr-threads";
    diagnoseOnFailure(repo);
    const dir = remotes[repo]!.dir;
    const headSha = await openPull(repo, 9, { "src/a.js": DEDUPE });
    const first = thread(repo, 9, "src/a.js", "Rename seen to visited.");
    const done = thread(repo, 9, "README.md", "Already dealt with: the old TODO.", true);
    const second = thread(repo, 9, "src/calc.js", "add() is wrong too.");
    fake.reviewComments.add({
      ...second,
      id: undefined,
      body: "Agreed, see the test.",
      inReplyTo: second.id,
      author: { login: "carol", type: "User" },
    });
    await commentOn(repo, 9, "/fixbot fix", true);

    // The replies come before the final tracking comment: once it is there, every reply was written.
    const final = () => fake.commentsOn(repo, 9, "fixbot:tracking").filter((c) => FINAL_HEADER.test(c.body));
    await fake.waitFor(() => final().length > 0, 120_000, "the final tracking comment on PR #9");
    expect(final()[0]!.body).toContain("fixbot fixed this issue");
    const task = await readFile(join(shared, "threads-task.txt"), "utf8");
    expect(task).toContain("Rename seen to visited.");
    expect(task).toContain("add() is wrong too.");
    expect(task).toContain("@carol wrote:\n```\nAgreed, see the test.\n```");
    expect(task).not.toContain("Already dealt with");
    expect(fake.state.graphqlQueries.filter((q) => q.includes("reviewThreads"))).toHaveLength(1);

    expect((await run("git", ["--git-dir", dir, "rev-parse", "feature~1"])).stdout.trim()).toBe(headSha);
    expect(await countCommits(dir, "feature")).toBe(2);
    expect(await readRemoteFile(dir, "feature", "src/calc.js")).toContain("a + b");
    const pushed = (await listRemoteBranches(dir)).feature!;
    for (const root of [first, second]) {
      const replies = fake.reviewComments.repliesIn(root.id);
      expect(replies, `replies in the thread on ${root.path}`).toHaveLength(1);
      expect(replies[0]!.body).toContain(`Pushed ${pushed.slice(0, 7)} to \`feature\``);
    }
    expect(fake.reviewComments.repliesIn(done.id)).toEqual([]);
    expect(
      fake.state.pulls.filter(ofRepo(repo)).map((p) => p.number),
      "no new pull request",
    ).toEqual([9]);
    expect(fake.state.checkRuns.filter(ofRepo(repo))).toEqual([
      expect.objectContaining({ name: "fixbot fix", headSha: pushed, status: "completed", conclusion: "success" }),
    ]);
    expect(fake.state.unmatched).toEqual([]);
  });
});
