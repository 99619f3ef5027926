import { createPrivateKey } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey } from "./app-key.js";
import { countCommits, createBareRemote, listRemoteBranches, readRemoteFile, runInClone } from "./git-remote.js";
import { issuesLabeledPayload, loadExample } from "./payloads.js";

const calcFixture = fileURLToPath(new URL("../../fixtures/repos/calc", import.meta.url));

describe("git-remote helpers", () => {
  let remote: Awaited<ReturnType<typeof createBareRemote>>;

  beforeAll(async () => {
    remote = await createBareRemote({ fixture: calcFixture });
  });
  afterAll(async () => {
    await remote?.cleanup();
  });

  it("seeds a bare repository with the fixture as one commit on main", async () => {
    expect(remote.url).toMatch(/^file:\/\//);
    const branches = await listRemoteBranches(remote.dir);
    expect(Object.keys(branches)).toEqual(["main"]);
    expect(branches.main).toMatch(/^[0-9a-f]{40}$/);
    expect(await countCommits(remote.dir, "main")).toBe(0);
    expect(await readRemoteFile(remote.dir, "main", "src/calc.js")).toContain("return a - b;");
    expect(await readRemoteFile(remote.dir, "main", "missing.js")).toBeUndefined();
    expect(await readRemoteFile(remote.dir, "no-such-branch", "src/calc.js")).toBeUndefined();
  });

  it("runs the fixture's tests in a clone, and they fail because of the add bug", async () => {
    const result = await runInClone(remote.dir, "main", "npm test");
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toMatch(/# fail 1/);
    const ok = await runInClone(remote.dir, "main", "echo hello");
    expect(ok).toEqual({ exitCode: 0, output: "hello\n" });
  }, 60_000);
});

describe("payload helpers", () => {
  it("loads real examples and rejects unknown actions", () => {
    expect(loadExample("issue_comment", "created").comment.body).toBeTypeOf("string");
    expect(loadExample("pull_request", "opened").pull_request.number).toBeTypeOf("number");
    expect(() => loadExample("issues", "no-such-action")).toThrow(/no "issues" example with action "no-such-action"/);
    const a = loadExample("issues", "labeled");
    a.issue.title = "changed";
    expect(loadExample("issues", "labeled").issue.title).not.toBe("changed");
  });

  it("builds an issues.labeled payload with the overrides", () => {
    const p = issuesLabeledPayload({
      owner: "acme",
      repo: "calc",
      number: 7,
      senderLogin: "someone[bot]",
      senderType: "Bot",
      state: "closed",
      title: "add is broken",
      body: "add(2, 3) returns -1",
      cloneUrl: "file:///tmp/calc.git",
      installationId: 42,
      defaultBranch: "main",
    });
    expect(p.action).toBe("labeled");
    expect(p.repository).toMatchObject({
      name: "calc",
      full_name: "acme/calc",
      owner: { login: "acme" },
      clone_url: "file:///tmp/calc.git",
      default_branch: "main",
    });
    expect(p.issue).toMatchObject({ number: 7, title: "add is broken", body: "add(2, 3) returns -1", state: "closed" });
    expect(p.label.name).toBe("fixbot");
    expect(p.issue.labels.map((l: { name: string }) => l.name)).toContain("fixbot");
    expect(p.sender).toMatchObject({ login: "someone[bot]", type: "Bot" });
    expect(p.installation.id).toBe(42);

    const defaults = issuesLabeledPayload({ owner: "o", repo: "r", number: 1, label: "autofix" });
    expect(defaults.label.name).toBe("autofix");
    expect(defaults.installation.id).toBe(1);
    expect(defaults.repository.clone_url).toBe("https://github.com/o/r.git");
  });
});

describe("app key helper", () => {
  it("returns a memoised PKCS#1 RSA private key", () => {
    const pem = generatePrivateKey();
    expect(pem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(createPrivateKey(pem).asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(generatePrivateKey()).toBe(pem);
  });
});
