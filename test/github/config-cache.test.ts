import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cacheConfigReads } from "../../src/github/cached-config-reads.js";
import { ConfigCaches } from "../../src/github/config-cache.js";
import { createOctokit } from "../../src/github/octokit.js";
import { loadRepoConfig } from "../../src/github/repo-config.js";
import { configPush } from "../../src/intake/config-push.js";
import { startFakeGitHub, type FakeGitHubServer } from "../helpers/fake-github-server.js";

/**
 * The intake's config cache against the fake GitHub over loopback HTTP (ETags and 304s as GitHub sends them),
 * read through the same loader the workflow uses (loadRepoConfig: repo file over the org's `.github` defaults).
 */
let fake: FakeGitHubServer;
let clock = 0;
const TOKEN = "ghs_config_cache_test";

beforeAll(async () => {
  fake = await startFakeGitHub({
    repos: { calc: { owner: "acme", configYaml: "label: fixbot\n" }, web: { owner: "acme", configYaml: "label: web-fix\n" } },
  });
  fake.state.tokens.push(TOKEN);
});
afterAll(async () => fake?.stop());
beforeEach(() => {
  fake.repos.calc!.configYaml = "label: fixbot\n";
  fake.state.requests.length = 0;
  clock = 1_000_000;
});

/** Config-file requests the fake saw, as "repo status" (repo file and org defaults). */
const reads = () => fake.state.requests.filter((r) => r.path.includes("/contents/")).map((r) => `${r.path.split("/")[3]} ${r.status}`);

function newCaches(maxAgeMs = 60_000, maxEntries = 100) {
  return new ConfigCaches({ maxAgeMs, maxEntries, now: () => clock });
}

/** A fresh client per read, as the intake makes one per batch; the cache outlives it. */
function load(caches: ConfigCaches, installationId: number, repo = "calc") {
  const octokit = cacheConfigReads(
    createOctokit({ token: TOKEN, baseUrl: fake.apiUrl, retries: 0, throttle: false }),
    caches.forInstallation(installationId),
  );
  return loadRepoConfig(octokit, "acme", repo);
}

describe("the repository config cache", () => {
  it("within the maximum age, answers from memory: no request at all", async () => {
    const caches = newCaches();
    expect(await load(caches, 1)).toEqual({ label: "fixbot" });
    clock += 59_000;
    expect(await load(caches, 1)).toEqual({ label: "fixbot" });
    // One read of the repo file and one of the org's defaults (404, remembered too), then none.
    expect(reads()).toEqual(["calc 200", ".github 404"]);
  });

  it("past the maximum age, asks with If-None-Match: an unchanged file is a 304 and the remembered one is used", async () => {
    const caches = newCaches();
    await load(caches, 1);
    clock += 61_000;
    expect(await load(caches, 1)).toEqual({ label: "fixbot" });
    expect(reads()).toEqual(["calc 200", ".github 404", "calc 304", ".github 404"]);
    // The 304 counts as a check: fresh again for the maximum age.
    clock += 30_000;
    await load(caches, 1);
    expect(reads()).toHaveLength(4);
  });

  it("past the maximum age, a changed file comes back as a 200 with the new content", async () => {
    const caches = newCaches();
    await load(caches, 1);
    fake.repos.calc!.configYaml = "label: please-fix\n";
    clock += 30_000;
    expect(await load(caches, 1)).toEqual({ label: "fixbot" }); // still within the maximum age
    clock += 31_000;
    expect(await load(caches, 1)).toEqual({ label: "please-fix" });
    expect(reads().filter((r) => r.startsWith("calc"))).toEqual(["calc 200", "calc 200"]);
  });

  it("a push touching .github/fixbot.yml on the default branch drops the file at once; other pushes do not", async () => {
    const caches = newCaches();
    await load(caches, 1);
    fake.repos.calc!.configYaml = "label: please-fix\n";
    const push = (ref: string, modified: string[], installation = 1) =>
      configPush({
        ref,
        commits: [{ modified }],
        repository: { name: "calc", default_branch: "main", owner: { login: "acme" } },
        installation: { id: installation },
      })!;
    const invalidate = (p: ReturnType<typeof push> | undefined) => (p ? caches.invalidate(p.installationId, p.owner, p.repo, p.paths) : 0);

    expect(invalidate(push("refs/heads/main", ["README.md"]))).toBe(0);
    expect(
      configPush({
        ref: "refs/heads/topic",
        commits: [{ modified: [".github/fixbot.yml"] }],
        repository: { name: "calc", default_branch: "main", owner: { login: "acme" } },
        installation: { id: 1 },
      }),
    ).toBeUndefined();
    expect(invalidate(push("refs/heads/main", [".github/fixbot.yml"], 2))).toBe(0); // another installation's cache
    expect(await load(caches, 1)).toEqual({ label: "fixbot" });

    expect(invalidate(push("refs/heads/main", [".github/fixbot.yml"]))).toBe(1);
    expect(await load(caches, 1)).toEqual({ label: "please-fix" });
  });

  it("a push to the org's .github repository drops the org defaults", async () => {
    const caches = newCaches();
    await load(caches, 1);
    const p = configPush({
      ref: "refs/heads/main",
      commits: [{ added: [".github/fixbot.yml"] }],
      repository: { name: ".github", default_branch: "main", owner: { login: "acme" } },
      installation: { id: 1 },
    })!;
    expect(caches.invalidate(p.installationId, p.owner, p.repo, p.paths)).toBe(1);
    await load(caches, 1);
    // The repo file is still remembered; only the org file is asked again.
    expect(reads()).toEqual(["calc 200", ".github 404", ".github 404"]);
  });

  it("a push that cannot list its files (forced, 20+ commits) drops every cached file of that repository only", async () => {
    const caches = newCaches();
    await load(caches, 1, "calc");
    await load(caches, 1, "web");
    const p = configPush({
      ref: "refs/heads/main",
      forced: true,
      commits: [{ modified: ["src/x.js"] }],
      repository: { name: "calc", default_branch: "main", owner: { login: "acme" } },
      installation: { id: 1 },
    })!;
    expect(caches.invalidate(p.installationId, p.owner, p.repo, p.paths)).toBe(1);
    fake.state.requests.length = 0;
    await load(caches, 1, "calc");
    await load(caches, 1, "web");
    expect(reads()).toEqual(["calc 200"]);
  });

  it("concurrent reads of one file (hand-overs of one repository at once) share one request", async () => {
    const caches = newCaches();
    const loaded = await Promise.all([load(caches, 1), load(caches, 1), load(caches, 1)]);
    expect(loaded).toEqual([{ label: "fixbot" }, { label: "fixbot" }, { label: "fixbot" }]);
    expect(reads()).toEqual(["calc 200", ".github 404"]);
  });

  it("never shares an answer between installations", async () => {
    const caches = newCaches();
    await load(caches, 1);
    await load(caches, 2);
    expect(reads()).toEqual(["calc 200", ".github 404", "calc 200", ".github 404"]);
    expect(caches.forInstallation(1)).not.toBe(caches.forInstallation(2));
  });

  it("holds at most maxEntries files per installation, dropping the least recently used", async () => {
    const caches = newCaches(60_000, 2);
    await load(caches, 1, "calc"); // calc + org defaults
    await load(caches, 1, "web"); // web pushes calc out (the org file was used again: most recent)
    expect(caches.forInstallation(1).size).toBe(2);
    fake.state.requests.length = 0;
    await load(caches, 1, "calc");
    expect(reads()).toEqual(["calc 200"]);
  });

  it("a read that started before an invalidation does not store its possibly older answer", async () => {
    const caches = newCaches();
    const cache = caches.forInstallation(1);
    const mark = cache.mark();
    cache.invalidate("acme", "calc", [".github/fixbot.yml"]);
    cache.store({ owner: "acme", repo: "calc", path: ".github/fixbot.yml" }, { kind: "file", response: {}, checkedAt: clock }, mark);
    expect(cache.size).toBe(0);
  });
});
