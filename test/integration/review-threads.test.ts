import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import type { AppHarness } from "../helpers/app-harness.js";
import { useAppHarness } from "../helpers/integration-suite.js";
import { fakeGitHub } from "../helpers/fake-github-nock.js";
import { countCommits, createBareRemote, listRemoteBranches, readRemoteFile } from "../helpers/git-remote.js";
import { loadExample } from "../helpers/payloads.js";
import { pushPullRequestCommit } from "../helpers/pr-remote.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const AGENTS = join(ROOT, "fixtures", "agents");
const CALC = join(ROOT, "fixtures", "repos", "calc");
const OWNER = "acme";
const PR = 7;
const HUNK = "@@ -0,0 +1,12 @@\n+export function dedupe(xs) {\n+  const seen = [];";

const suite = useAppHarness();
let harness: AppHarness;
beforeAll(() => {
  harness = suite.harness();
});

let nextId = 60_000;

/**
 * A repository with pull request #7 (branch `feature`, one commit adding src/a.js), its fake GitHub with review
 * threads, and ways to comment on a line of it or on its conversation, from real webhook payloads.
 */
async function scenario(repo: string, config: string) {
  const remote = await createBareRemote({ fixture: CALC });
  suite.onCleanup(remote.cleanup);
  const headSha = await pushPullRequestCommit({
    bareDir: remote.dir,
    number: PR,
    parent: "main",
    branch: "feature",
    files: {
      "src/a.js": "export function dedupe(xs) {\n  const seen = [];\n  return xs.filter((x) => !seen.includes(x) && seen.push(x));\n}\n",
    },
    message: "Add dedupe",
  });
  const fake = fakeGitHub({
    owner: OWNER,
    repo,
    configYaml: config,
    roles: { alice: "write", rita: "read" },
    prs: { [PR]: { headRef: "feature", headSha } },
  });
  suite.useFake(fake.stop);
  const threads = fake.threads;
  const repository = (p: any) => ({
    ...p.repository,
    name: repo,
    full_name: `${OWNER}/${repo}`,
    owner: { ...p.repository.owner, login: OWNER },
    clone_url: remote.url,
    default_branch: "main",
  });
  const user = (login: string) => ({ login, type: "User" });

  /** A line comment (a new thread, or a reply in one), as GitHub stores it and sends it. */
  const lineComment = async (body: string, params: { sender?: string; line?: number; path?: string; inReplyTo?: number } = {}) => {
    const sender = params.sender ?? "alice";
    const stored = threads.store.add({
      id: nextId++,
      repo: `${OWNER}/${repo}`,
      pull: PR,
      body,
      path: params.path ?? "src/a.js",
      line: params.line ?? 12,
      diffHunk: HUNK,
      inReplyTo: params.inReplyTo,
      author: { login: sender, type: "User" },
    });
    const payload = loadExample("pull_request_review_comment", "created");
    payload.comment = {
      ...payload.comment,
      id: stored.id,
      body,
      user: { ...payload.comment.user, ...user(sender) },
      path: stored.path,
      line: stored.line,
      start_line: null,
      side: "RIGHT",
      diff_hunk: HUNK,
      ...(params.inReplyTo ? { in_reply_to_id: params.inReplyTo } : {}),
    };
    payload.pull_request = { ...payload.pull_request, number: PR, title: "Add dedupe", body: "", state: "open" };
    payload.sender = { ...payload.sender, ...user(sender) };
    payload.repository = repository(payload);
    payload.installation = { id: 1 };
    await harness.probot.receive({ id: `review-comment-${stored.id}`, name: "pull_request_review_comment", payload } as never);
    return stored;
  };

  /** A comment on the pull request's conversation. */
  const conversationComment = async (body: string) => {
    const payload = loadExample("issue_comment", "created");
    const id = nextId++;
    payload.comment = { ...payload.comment, id, body, user: { ...payload.comment.user, ...user("alice") } };
    payload.sender = { ...payload.sender, ...user("alice") };
    payload.issue = { ...payload.issue, number: PR, title: "Add dedupe", body: "", state: "open", pull_request: { url: "x" } };
    payload.repository = repository(payload);
    payload.installation = { id: 1 };
    await harness.probot.receive({ id: `comment-${id}`, name: "issue_comment", payload } as never);
  };
  return { remote, headSha, fake: fake.state, threads, lineComment, conversationComment };
}

const agentConfig = (agent: string) => `agent:\n  command: ${JSON.stringify(agent)}\n`;

async function waitFor<T>(read: () => T | Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** An agent that keeps a copy of its task (in the shared dir) and then fixes calc's add(). */
function taskKeepingAgent(name: string): { agent: string; task: string } {
  const task = join(harness.sharedDir, `${name}-task.txt`);
  return { task, agent: `cp "$FIXBOT_TASK_FILE" ${task}; exec ${join(AGENTS, "fix-calc.sh")}` };
}

async function rev(dir: string, ref: string): Promise<string> {
  return (await run("git", ["-C", dir, "rev-parse", ref])).stdout.trim();
}

describe("review threads", () => {
  it("a writer's /fixbot fix in a line comment: the thread is in the task, one commit on the PR branch, one reply in that thread; a reader's gets a refusal there", async () => {
    const { agent, task } = taskKeepingAgent("thread-fix");
    const { remote, headSha, fake, threads, lineComment } = await scenario("thr-fix", agentConfig(agent));
    const root = await lineComment("This loop is quadratic.", { sender: "bob" });

    // A reader first: refused in the thread; nothing runs. Commands on one PR are handled in order.
    await lineComment("/fixbot fix please", { sender: "rita", inReplyTo: root.id });
    const command = await lineComment("/fixbot fix use a Set here", { inReplyTo: root.id });
    const runs = await harness.waitForRuns(`${OWNER}/thr-fix`, PR);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.status, JSON.stringify(runs[0]?.error)).toBe("fixed");
    expect(runs[0]?.steps.map((s) => s.name)).toContain("reply-in-thread#1");

    const given = await readFile(task, "utf8");
    expect(given).toContain("## Review threads to address");
    expect(given).toContain("### `src/a.js`, line 12");
    expect(given).toContain(`\`\`\`\n${HUNK}\n\`\`\``);
    expect(given).toContain("@bob wrote:\n```\nThis loop is quadratic.\n```");
    expect(given).toContain("@alice wrote:\n```\n/fixbot fix use a Set here\n```");
    expect(given).toContain("## Instructions from the maintainers\nuse a Set here");

    // One commit on top of the PR's head.
    expect(await rev(remote.dir, "feature~1")).toBe(headSha);
    expect(await countCommits(remote.dir, "feature")).toBe(2);
    expect(await readRemoteFile(remote.dir, "feature", "src/calc.js")).toContain("a + b");
    const pushed = await rev(remote.dir, "feature");

    const replies = threads.store.repliesIn(root.id);
    expect(replies.map((r) => r.body.split("\n")[0])).toEqual([
      expect.stringContaining("fixbot:reply delivery="),
      expect.stringContaining("fixbot:thread-reply run="),
    ]);
    expect(replies[0]!.body).toContain("@rita `/fixbot` commands can only be used by people with write access");
    expect(replies[1]!.body).toContain(`Pushed ${pushed.slice(0, 7)} to \`feature\``);
    expect(replies[1]!.body).toContain("**Tests** (`npm test`): pass.");
    expect(replies[1]!.body).toContain("**Files changed:** `src/calc.js`");
    expect(replies[1]!.body).toContain("add() in src/calc.js: it subtracted instead of adding");
    // Acknowledged on the line comment itself; nothing posted on the conversation but the tracking comment.
    expect(threads.store.reactions).toContainEqual({ commentId: command.id, content: "eyes" });
    expect(fake.comments.map((c) => c.body.split("\n")[0])).toEqual([expect.stringContaining("fixbot:tracking")]);
    expect(fake.pulls).toHaveLength(0);
    expect(fake.unmatched).toEqual([]);
  });

  it("/fixbot fix on the PR without instructions takes the unresolved threads as its task and replies in each; resolved ones are left alone", async () => {
    const { agent, task } = taskKeepingAgent("threads-fix");
    const { fake, threads, conversationComment } = await scenario("thr-open", agentConfig(agent));
    const add = (body: string, path: string, resolved = false) =>
      threads.store.add({
        repo: `${OWNER}/thr-open`,
        pull: PR,
        body,
        path,
        line: 3,
        diffHunk: HUNK,
        resolved,
        author: { login: "bob", type: "User" },
      });
    const first = add("Rename seen to visited.", "src/a.js");
    const done = add("Already dealt with: the old TODO.", "README.md", true);
    const second = add("add() is wrong too.", "src/calc.js");
    threads.store.add({
      ...second,
      id: undefined,
      body: "Agreed, see the test.",
      inReplyTo: second.id,
      author: { login: "carol", type: "User" },
    });

    await conversationComment("/fixbot fix");
    const runs = await harness.waitForRuns(`${OWNER}/thr-open`, PR);
    expect(runs[0]?.status, JSON.stringify(runs[0]?.error)).toBe("fixed");
    const given = await readFile(task, "utf8");
    expect(given).toContain("Rename seen to visited.");
    expect(given).toContain("add() is wrong too.");
    expect(given).toContain("@carol wrote:\n```\nAgreed, see the test.\n```");
    expect(given).not.toContain("Already dealt with");
    expect(threads.graphqlQueries).toHaveLength(1);
    expect(threads.graphqlQueries[0]).toContain("reviewThreads(first: 50)");
    expect(threads.graphqlQueries[0]).toContain("comments(first: 20)");

    expect(threads.store.repliesIn(first.id)).toHaveLength(1);
    expect(threads.store.repliesIn(second.id)).toHaveLength(1);
    expect(threads.store.repliesIn(done.id)).toHaveLength(0);
    for (const root of [first, second]) expect(threads.store.repliesIn(root.id)[0]!.body).toContain("Pushed ");
    expect(runs[0]?.steps.filter((s) => s.name.startsWith("reply-in-thread")).map((s) => s.name)).toEqual([
      "reply-in-thread#1",
      "reply-in-thread#2",
    ]);
    expect(fake.unmatched).toEqual([]);
  });

  it("/fixbot ask in a line comment answers in the thread, with the thread as context, and pushes nothing", async () => {
    const agent = `echo "thread seen: $(grep -c 'This loop is quadratic' "$FIXBOT_TASK_FILE"); hunk seen: $(grep -c 'const seen = \\[\\]' "$FIXBOT_TASK_FILE")"; echo changed > src/a.js`;
    const { remote, fake, threads, lineComment } = await scenario("thr-ask", `review:\n  command: ${JSON.stringify(agent)}\n`);
    const before = await listRemoteBranches(remote.dir);
    const root = await lineComment("This loop is quadratic.", { sender: "bob" });
    await lineComment("/fixbot ask why is this quadratic?", { inReplyTo: root.id });
    const [answer] = await waitFor(
      () => threads.store.repliesIn(root.id),
      (r) => r.length === 1,
      "the answer in the thread",
    );
    expect(answer!.body).toContain("**Answer** to @alice's question (read-only: nothing was changed or pushed)");
    expect(answer!.body).toContain("thread seen: 1; hunk seen: 1");
    expect(await listRemoteBranches(remote.dir)).toEqual(before);
    expect(fake.comments).toHaveLength(0);
    expect(fake.pulls).toHaveLength(0);
    expect(fake.unmatched).toEqual([]);
  });
});
