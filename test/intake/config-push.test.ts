import { describe, expect, it } from "vitest";
import { configPush, type PushPayload } from "../../src/intake/config-push.js";
import { loadExample } from "../helpers/payloads.js";

const repository = { name: "calc", default_branch: "main", owner: { login: "acme" } };
const push = (over: Partial<PushPayload>): PushPayload => ({
  ref: "refs/heads/main",
  commits: [{ modified: [".github/fixbot.yml"] }],
  repository,
  installation: { id: 7 },
  ...over,
});

describe("what a push means for the config cache", () => {
  it("on the default branch: the files its commits added, changed or removed", () => {
    expect(
      configPush(
        push({
          commits: [
            { added: ["a.md"], modified: [".github/fixbot.yml"] },
            { removed: ["b.md"], modified: [".github/fixbot.yml"] },
          ],
        }),
      ),
    ).toEqual({
      installationId: 7,
      owner: "acme",
      repo: "calc",
      paths: ["a.md", ".github/fixbot.yml", "b.md"],
    });
  });

  it("another branch, a tag or no installation: nothing (the config is read from the default branch)", () => {
    expect(configPush(push({ ref: "refs/heads/topic" }))).toBeUndefined();
    expect(configPush(push({ ref: "refs/tags/main" }))).toBeUndefined();
    expect(configPush(push({ installation: null }))).toBeUndefined();
  });

  it("a forced push, a new branch or a long push (GitHub lists 20 commits at most) may have changed any file: all", () => {
    expect(configPush(push({ forced: true }))?.paths).toBe("all");
    expect(configPush(push({ created: true }))?.paths).toBe("all");
    expect(configPush(push({ commits: Array.from({ length: 20 }, () => ({ modified: ["x.js"] })) }))?.paths).toBe("all");
    expect(configPush(push({ commits: [] }))?.paths).toBe("all");
  });

  it("reads GitHub's real push payload", () => {
    const payload = loadExample("push", undefined as unknown as string) as PushPayload & { repository: { default_branch: string } };
    payload.ref = `refs/heads/${payload.repository.default_branch}`;
    payload.installation = { id: 3 };
    payload.forced = false;
    payload.created = false;
    payload.commits = [{ added: [], modified: [".github/fixbot.yml"], removed: [] }];
    expect(configPush(payload)).toMatchObject({ installationId: 3, paths: [".github/fixbot.yml"] });
  });
});
