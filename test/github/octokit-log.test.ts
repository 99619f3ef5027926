import nock from "nock";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createOctokit, withoutRequestLog } from "../../src/github/octokit.js";

describe("Octokit's own log stays out of fixbot's JSON log", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    nock.cleanAll();
    vi.restoreAllMocks();
  });

  it("a failed request throws to its caller and prints no plain-text request line", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const warned = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    nock("https://api.github.com").get("/repos/acme/.github/contents/.github%2Ffixbot.yml").reply(404, { message: "Not Found" });
    const octokit = createOctokit({ token: "t", retries: 0, throttle: false });
    await expect(octokit.rest.repos.getContent({ owner: "acme", repo: ".github", path: ".github/fixbot.yml" })).rejects.toMatchObject({
      status: 404,
    });
    expect([...printed.mock.calls, ...warned.mock.calls]).toEqual([]);
  });

  it("other warnings still reach the console", () => {
    const seen: unknown[][] = [];
    const write = withoutRequestLog((...args) => seen.push(args));
    write("GET /repos/acme/calc - 404 with id ABC in 3ms");
    write("[@octokit/request] a deprecation");
    expect(seen).toEqual([["[@octokit/request] a deprecation"]]);
  });
});
