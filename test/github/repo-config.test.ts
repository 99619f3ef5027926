import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseRepoConfig } from "../../src/config/repo.schema.js";
import { createOctokit } from "../../src/github/octokit.js";
import { loadRepoConfig, mergeConfigs } from "../../src/github/repo-config.js";

const raw = (text: string) => [200, text, { "content-type": "text/plain; charset=utf-8" }] as const;
const octokit = () => createOctokit({ token: "t", retries: 0, throttle: false });

describe("mergeConfigs", () => {
  it("merges objects deeply, later wins, arrays replace", () => {
    expect(mergeConfigs([{ a: 1, t: { x: 1, y: 2 }, l: [1, 2] }, { t: { y: 3 }, l: [9] }, undefined])).toEqual({
      a: 1,
      t: { x: 1, y: 3 },
      l: [9],
    });
  });
});

describe("loadRepoConfig: org-wide defaults under the repo's own file", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());

  it("layers the repo file over the org's .github defaults", async () => {
    const scope = nock("https://api.github.com")
      .get("/repos/acme/calc/contents/.github%2Ffixbot.yml")
      .reply(...raw("agent:\n  command: ./fix.sh\ntimeouts:\n  tests: 30\n"))
      .get("/repos/acme/.github/contents/.github%2Ffixbot.yml")
      .reply(
        ...raw("maxAttempts: 5\ninstructions: Follow CONTRIBUTING.md\ntimeouts:\n  agent: 600\nagent:\n  passEnv: [ANTHROPIC_API_KEY]\n"),
      );
    const merged = await loadRepoConfig(octokit(), "acme", "calc");
    const parsed = parseRepoConfig(merged);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.config).toMatchObject({
      maxAttempts: 5,
      instructions: "Follow CONTRIBUTING.md",
      timeouts: { agent: 600, tests: 30 },
      agent: { command: "./fix.sh", passEnv: ["ANTHROPIC_API_KEY"] },
    });
    expect(scope.isDone()).toBe(true);
  });

  it("uses the org defaults alone when the repo has no file, and nothing when neither has one", async () => {
    nock("https://api.github.com")
      .get("/repos/acme/calc/contents/.github%2Ffixbot.yml")
      .reply(404, { message: "Not Found" })
      .get("/repos/acme/.github/contents/.github%2Ffixbot.yml")
      .reply(...raw("label: autofix\n"));
    expect(await loadRepoConfig(octokit(), "acme", "calc")).toEqual({ label: "autofix" });
    nock("https://api.github.com")
      .get("/repos/acme/calc/contents/.github%2Ffixbot.yml")
      .reply(404, { message: "Not Found" })
      .get("/repos/acme/.github/contents/.github%2Ffixbot.yml")
      .reply(404, { message: "Not Found" });
    expect(await loadRepoConfig(octokit(), "acme", "calc")).toEqual({});
  });
});
