import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createOctokit, type GitHubAccess, type TokenScope } from "../../src/github/octokit.js";
import { orgConfigClient } from "../../src/github/org-config-client.js";
import { loadRepoConfig, loadRepoConfigOrProblem } from "../../src/github/repo-config.js";

const raw = (text: string) => [200, text, { "content-type": "text/plain; charset=utf-8" }] as const;
const APP = { appId: 1, botLogin: "fixbot[bot]" };

/**
 * Installation access as GitHub gives it: one token per repository; a repository the installation does not cover
 * is refused with 422 when the token is asked for. Records what was asked.
 */
function scopedAccess(installed: string[]): GitHubAccess & { asked: TokenScope[] } {
  const asked: TokenScope[] = [];
  return {
    asked,
    async forInstallation(_id, scope) {
      asked.push(scope);
      if (!installed.includes(scope.repository)) {
        throw Object.assign(new Error("There is at least one repository that does not exist or is not accessible"), { status: 422 });
      }
      const token = `token-for-${scope.repository}`;
      return { token, octokit: createOctokit({ token, retries: 0, throttle: false }), app: APP };
    },
  };
}

describe("org-wide defaults are read with a token for the org's .github repository", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());

  it("reads the repo file with the repo's token and the org file with a contents:read token of .github", async () => {
    const access = scopedAccess(["calc", ".github"]);
    const scope = nock("https://api.github.com")
      .get("/repos/acme/calc/contents/.github%2Ffixbot.yml")
      .matchHeader("authorization", "token token-for-calc")
      .reply(...raw("timeouts:\n  tests: 30\n"))
      .get("/repos/acme/.github/contents/.github%2Ffixbot.yml")
      .matchHeader("authorization", "token token-for-.github")
      .reply(...raw("maxAttempts: 5\n"));
    const { octokit } = await access.forInstallation(7, { repository: "calc", permissions: { contents: "read" } });
    const loaded = await loadRepoConfigOrProblem(octokit, "acme", "calc", orgConfigClient(access, 7));
    expect(loaded).toEqual({ ok: true, raw: { maxAttempts: 5, timeouts: { tests: 30 } } });
    expect(scope.isDone()).toBe(true);
    expect(access.asked[1]).toEqual({ repository: ".github", permissions: { contents: "read", metadata: "read" } });
  });

  it("without the App on the org's .github repository, the repo file alone applies (no error, no read)", async () => {
    const access = scopedAccess(["calc"]);
    nock("https://api.github.com")
      .get("/repos/acme/calc/contents/.github%2Ffixbot.yml")
      .reply(...raw("label: autofix\n"));
    const { octokit } = await access.forInstallation(7, { repository: "calc", permissions: { contents: "read" } });
    expect(await loadRepoConfig(octokit, "acme", "calc", orgConfigClient(access, 7))).toEqual({ label: "autofix" });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("a transient failure asking for the org token fails the read (the step retries), and is asked again", async () => {
    let calls = 0;
    const access: GitHubAccess = {
      async forInstallation(_id, scope) {
        calls++;
        if (calls === 1) throw Object.assign(new Error("Service Unavailable"), { status: 503 });
        const token = `token-for-${scope.repository}`;
        return { token, octokit: createOctokit({ token, retries: 0, throttle: false }), app: APP };
      },
    };
    const org = orgConfigClient(access, 7);
    await expect(org()).rejects.toThrow("Service Unavailable");
    expect(await org()).toBeDefined();
    expect(calls).toBe(2);
  });
});
