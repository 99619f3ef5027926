import { describe, expect, it } from "vitest";
import { PullRequestsConfigSchema } from "../../src/config/pull-requests.schema.js";
import { parseRepoConfig } from "../../src/config/repo.schema.js";
import { parseReviewConfig, type ReviewConfig } from "../../src/config/review-config.js";

function configOf(raw: unknown): ReviewConfig {
  const result = parseReviewConfig(raw);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be accepted: ${result.problems.join("; ")}`);
  return result.config;
}

function problemsOf(raw: unknown): string[] {
  const result = parseReviewConfig(raw);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
  return result.problems;
}

const DEFAULTS = {
  autoReview: true,
  ignoreAuthors: [],
  ignorePaths: [],
  maxChunkBytes: 60_000,
  maxChunks: 5,
  forks: "review",
  failOn: "never",
};

describe("pullRequests config", () => {
  it("defaults to reviewing every pull request, for a missing file, an empty document or an empty key", () => {
    for (const raw of [undefined, null, {}, { pullRequests: null }, { pullRequests: {} }])
      expect(configOf(raw).pullRequests).toEqual(DEFAULTS);
  });

  it("reads every field, next to the shared review agent settings", () => {
    const config = configOf({
      review: { command: "review.sh", passEnv: ["ANTHROPIC_API_KEY"] },
      timeouts: { review: 120 },
      pullRequests: {
        autoReview: false,
        ignoreAuthors: ["renovate"],
        ignorePaths: ["docs/**", "*.snap"],
        maxChunkBytes: 20_000,
        maxChunks: 3,
        forks: "skip-first-time",
        failOn: "warning",
      },
    });
    expect(config.pullRequests).toEqual({
      autoReview: false,
      ignoreAuthors: ["renovate"],
      ignorePaths: ["docs/**", "*.snap"],
      maxChunkBytes: 20_000,
      maxChunks: 3,
      forks: "skip-first-time",
      failOn: "warning",
    });
    expect(config.repo.review).toEqual({ command: "review.sh", passEnv: ["ANTHROPIC_API_KEY"] });
    expect(config.repo.timeouts.review).toBe(120);
  });

  it("names each bad field with its full path and the expected form", () => {
    expect(problemsOf({ pullRequests: { maxChunks: "many" } })).toEqual(["`pullRequests.maxChunks`: Expected number, received string"]);
    expect(problemsOf({ pullRequests: { autoReview: "yes", ignorePaths: [1] } })).toEqual([
      "`pullRequests.autoReview`: Expected boolean, received string",
      "`pullRequests.ignorePaths.0`: Expected string, received number",
    ]);
    expect(problemsOf({ pullRequests: { maxChunkBytes: 10 } })[0]).toMatch(
      /^`pullRequests\.maxChunkBytes`: Number must be greater than or equal to 1000/,
    );
    expect(problemsOf({ pullRequests: { autoreview: true } })).toEqual(["pullRequests: unknown field(s) `autoreview`"]);
    expect(problemsOf({ pullRequests: { failOn: "warnings" } })[0]).toMatch(
      /^`pullRequests\.failOn`: Invalid enum value\. Expected 'error' \| 'warning' \| 'never'/,
    );
    expect(problemsOf({ pullRequests: 3 })).toEqual(["`pullRequests`: Expected object, received number"]);
  });

  it("reports problems of the shared settings and of pullRequests together", () => {
    expect(problemsOf({ maxAttempts: "three", pullRequests: { maxChunks: 0 } })).toEqual([
      "`maxAttempts`: Expected number, received string",
      "`pullRequests.maxChunks`: Number must be greater than or equal to 1",
    ]);
    expect(problemsOf([1, 2])).toEqual(["(top level): Expected a mapping of settings"]);
  });

  it("is accepted by the repo config too, so a repo that configures reviews can still have issues fixed", () => {
    expect(parseRepoConfig({ pullRequests: { maxChunks: 2 } }).ok).toBe(true);
    expect(PullRequestsConfigSchema.parse({})).toEqual(DEFAULTS);
  });
});
