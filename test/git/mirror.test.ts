import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportTree, fetchBranch } from "../../src/git/clean-repo.js";
import { fetchPullHead } from "../../src/git/pull-request-diff.js";
import { mirrorDirFor, type MirrorSpec } from "../../src/git/mirror.js";
import { gitAccessFor } from "../../src/steps/git-access.js";
import type { StepDeps } from "../../src/steps/deps.js";
import type { FixJob } from "../../src/workflow/types.js";
import { startGitHttpServer, type GitHttpServer } from "../helpers/git-http-server.js";
import { addCommit, createLongHistoryRepo } from "../helpers/long-history-repo.js";

/**
 * Warm clones through the real git over a loopback smart-HTTP server that demands the installation token:
 * the first fetch of a repository is cold (a full pack), the next ones are warm (no pack, or only new objects),
 * a broken mirror is rebuilt, concurrent fetches share one mirror safely, and installations never share one.
 */
const TOKEN = "ghs_scoped_read_token";
let root: string;
let server: GitHttpServer;
let url: string;
let remote: string;
const logLines: string[] = [];
const log = pino({ level: "info" }, { write: (line: string) => void logLines.push(line) });
const timeoutMs = 60_000;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "fixbot-mirror-test-"));
  remote = join(root, "remote", "acme", "big.git");
  await createLongHistoryRepo({ dir: remote, commits: 120, files: 20, bytesPerFile: 2048 });
  server = await startGitHttpServer({ root: join(root, "remote"), token: TOKEN });
  url = server.urlFor("acme/big.git");
}, 60_000);
afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

const git = (dir: string, ...args: string[]) =>
  execFileSync("git", args, { env: { ...process.env, GIT_DIR: dir } })
    .toString()
    .trim();

async function freshDataDir(): Promise<string> {
  return mkdtemp(join(root, "data-"));
}

function spec(dataDir: string, installation: number | "local" = 1): MirrorSpec {
  return { dataDir, dir: mirrorDirFor(dataDir, installation, "acme", "big"), log };
}

function fetchInto(dataDir: string, n: number, mirror = spec(dataDir)): Promise<string> {
  return fetchBranch({ url, token: TOKEN, timeoutMs, mirror, gitDir: join(dataDir, "git", "acme", "big", `${n}.git`), branch: "main" });
}

describe("warm clones from a per-installation mirror", () => {
  it("fetches a full pack once; the next run's clean repository is filled from the mirror without a pack", async () => {
    const dataDir = await freshDataDir();
    const before = server.packsSent().length;
    const first = await fetchInto(dataDir, 1);
    expect(first).toBe(git(remote, "rev-parse", "main"));
    expect(server.packsSent().length).toBe(before + 1);
    const second = await fetchInto(dataDir, 2);
    expect(second).toBe(first);
    expect(server.packsSent().length).toBe(before + 1); // asked the remote what main is, got no objects
    // The second clean repository is complete and self-contained: no alternates, readable without the mirror.
    const clean = join(dataDir, "git", "acme", "big", "2.git");
    await expect(stat(join(clean, "objects", "info", "alternates"))).rejects.toThrow();
    await rm(spec(dataDir).dir, { recursive: true, force: true });
    expect(git(clean, "rev-list", "--count", "refs/fixbot/base")).toBe("120");
    const tree = join(dataDir, "tree");
    await exportTree({ gitDir: clean, sha: second, dir: tree, timeoutMs });
    expect((await readdir(join(tree, "src"))).length).toBe(20);
    // Every request to the remote carried the scoped token.
    expect(server.requests.every((r) => r.token === TOKEN)).toBe(true);
  });

  it("a new commit on the remote travels alone: the warm pack is a small fraction of the cold one", async () => {
    const dataDir = await freshDataDir();
    await fetchInto(dataDir, 1);
    const cold = server.packsSent().at(-1)!;
    const sha = addCommit(remote, "NEW.md", "one new file\n");
    expect(await fetchInto(dataDir, 2)).toBe(sha);
    const warm = server.packsSent().at(-1)!;
    expect(warm).not.toBe(cold);
    expect(warm.bytes * 50).toBeLessThan(cold.bytes);
  });

  it("a broken mirror is detected, logged and rebuilt with a cold fetch", async () => {
    const dataDir = await freshDataDir();
    await fetchInto(dataDir, 1);
    const mirror = spec(dataDir).dir;
    const packs = join(mirror, "objects", "pack");
    for (const name of await readdir(packs)) if (name.endsWith(".pack")) await rm(join(packs, name));
    const before = server.packsSent().length;
    logLines.length = 0;
    expect(await fetchInto(dataDir, 2)).toBe(git(remote, "rev-parse", "main"));
    expect(server.packsSent().length).toBe(before + 1);
    expect(logLines.some((l) => l.includes("git mirror is broken: rebuilding it"))).toBe(true);
    expect(git(mirror, "rev-list", "--count", "refs/heads/main")).toBe(git(remote, "rev-list", "--count", "main"));
  });

  it("two runs of one repository at once: both get the tip, one cold fetch, the mirror stays sound", async () => {
    const dataDir = await freshDataDir();
    const before = server.packsSent().length;
    const shas = await Promise.all([fetchInto(dataDir, 1), fetchInto(dataDir, 2), fetchInto(dataDir, 3)]);
    expect(new Set(shas)).toEqual(new Set([git(remote, "rev-parse", "main")]));
    expect(server.packsSent().length).toBe(before + 1);
    execFileSync("git", ["fsck", "--no-dangling", "--no-progress"], { env: { ...process.env, GIT_DIR: spec(dataDir).dir } });
  });

  it("a pull request's head goes through the mirror too", async () => {
    const dataDir = await freshDataDir();
    const head = addCommit(remote, "PR.md", "the PR's change\n");
    git(remote, "update-ref", "refs/pull/7/head", head);
    git(remote, "reset", "--soft", "HEAD~1"); // bare: moves main back, the PR head stays only under refs/pull
    const dir = join(dataDir, "git", "acme", "big", "pr-7.git");
    await fetchBranch({ url, token: TOKEN, timeoutMs, mirror: spec(dataDir), gitDir: dir, branch: "main" });
    expect(await fetchPullHead({ url, token: TOKEN, timeoutMs, mirror: spec(dataDir), dir, number: 7 })).toBe(head);
    expect(git(spec(dataDir).dir, "rev-parse", "refs/pull/7/head")).toBe(head);
  });

  it("two installations never share a mirror, and each fetches with its own token", async () => {
    const dataDir = await freshDataDir();
    const tokens: string[] = [];
    const deps = {
      dataDir,
      log,
      github: { forInstallation: async (id: number) => (tokens.push(`inst-${id}`), { token: TOKEN }) },
    } as unknown as StepDeps;
    const job = (installationId: number) =>
      ({
        source: "github",
        installationId,
        repo: { owner: "acme", name: "big", cloneUrl: url, defaultBranch: "main" },
        issue: { number: installationId },
      }) as unknown as FixJob;
    const a = await gitAccessFor(deps, job(11), timeoutMs);
    const b = await gitAccessFor(deps, job(22), timeoutMs);
    expect(a.mirror?.dir).toBe(mirrorDirFor(dataDir, 11, "acme", "big"));
    expect(b.mirror?.dir).toBe(mirrorDirFor(dataDir, 22, "acme", "big"));
    expect(tokens).toEqual(["inst-11", "inst-22"]);
    // A push never goes through a mirror.
    expect((await gitAccessFor(deps, job(11), timeoutMs, "write")).mirror).toBeUndefined();
    const before = server.packsSent().length;
    await fetchBranch({ ...a, gitDir: join(dataDir, "git", "a.git"), branch: "main" });
    await fetchBranch({ ...b, gitDir: join(dataDir, "git", "b.git"), branch: "main" });
    expect(server.packsSent().length).toBe(before + 2); // the second installation's first fetch is cold too
  });
});
