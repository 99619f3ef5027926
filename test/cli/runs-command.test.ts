import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/args.js";
import { parseRunsArgs, runsApiUrl, runsCommand } from "../../src/cli/runs-command.js";
import { durationText, runDetail, runsTable } from "../../src/cli/runs-format.js";
import type { RunSummary } from "../../src/runs/run-summary.js";

const T0 = Date.UTC(2026, 11, 2, 9, 30);

const fixed: RunSummary = {
  id: "run-1",
  installationId: 1,
  repo: "acme/calc",
  number: 7,
  kind: "fix",
  status: "succeeded",
  requestedBy: "alice",
  startedAt: T0,
  finishedAt: T0 + 95_000,
  attempts: 2,
  maxAttempts: 3,
  usage: { turns: 4, inputTokens: 1200, outputTokens: 300, costUsd: 0.0123 },
  links: { issue: "https://github.com/acme/calc/issues/7", pullRequest: "https://github.com/acme/calc/pull/8" },
  steps: [
    { name: "check-request", status: "done", starts: 1, durationMs: 400 },
    { name: "run-agent#1", status: "done", starts: 2, durationMs: 65_000 },
  ],
  testTail: "ok 1 - add\nok 2 - sub",
  agentSummary: "Fixed add.",
  reviewSummary: "Looks right.",
};
const running: RunSummary = {
  ...fixed,
  id: "run-2",
  number: 9,
  status: "running",
  finishedAt: undefined,
  usage: undefined,
  attempts: 0,
  steps: [],
};

describe("fixbot runs: formatting", () => {
  it("the list: a header and one aligned line per run, with duration, attempts, tokens and cost", () => {
    const lines = runsTable([running, fixed], T0 + 120_000).split("\n");
    expect(lines[0]).toMatch(/^REPO\s+#\s+KIND\s+STATUS\s+REQUESTED BY\s+STARTED \(UTC\)\s+DURATION\s+ATTEMPTS\s+TOKENS\s+COST\s+ID$/);
    expect(lines[1]).toMatch(/^acme\/calc\s+9\s+fix\s+running\s+alice\s+2026-12-02 09:30\s+running 2m 00s\s+0\/3\s+-\s+-\s+run-2$/);
    expect(lines[2]).toMatch(/^acme\/calc\s+7\s+fix\s+succeeded\s+alice\s+2026-12-02 09:30\s+1m 35s\s+2\/3\s+1500\s+\$0\.0123\s+run-1$/);
    expect(lines[1]!.indexOf("running 2m")).toBe(lines[2]!.indexOf("1m 35s"));
    expect(runsTable([], T0)).toBe("No runs.");
  });

  it("one run: steps with durations and starts, test tail, agent summary, review, links", () => {
    const text = runDetail(fixed, T0);
    expect(text).toContain("Run run-1: fix of acme/calc#7, succeeded");
    expect(text).toContain("Attempts 2/3, tokens 1500, cost $0.0123, turns 4");
    expect(text).toMatch(/run-agent#1\s+done\s+1m 05s\s+2/);
    expect(text).toContain("Tests (tail):\n  ok 1 - add\n  ok 2 - sub");
    expect(text).toContain("Agent summary:\n  Fixed add.");
    expect(text).toContain("Review:\n  Looks right.");
    expect(text).toContain("pullRequest: https://github.com/acme/calc/pull/8");
  });

  it("durations", () => {
    expect([durationText(undefined), durationText(400), durationText(42_000), durationText(3_725_000)]).toEqual([
      "-",
      "0s",
      "42s",
      "1h 02m",
    ]);
  });
});

describe("fixbot runs: arguments", () => {
  it("url and token from the environment unless given; filters become the query; one id at most", () => {
    const args = parseRunsArgs(["--status", "failed", "--repo", "acme/calc"], { FIXBOT_URL: "http://bot:3000/", FIXBOT_RUNS_TOKEN: "tok" });
    expect(runsApiUrl(args)).toBe("http://bot:3000/api/runs?status=failed&repo=acme%2Fcalc");
    expect(args.token).toBe("tok");
    expect(runsApiUrl(parseRunsArgs(["r/1", "--url", "http://x", "--token", "t"], {}))).toBe("http://x/api/runs/r%2F1");
    expect(() => parseRunsArgs([], { FIXBOT_RUNS_TOKEN: "t" })).toThrow(/FIXBOT_URL/);
    expect(() => parseRunsArgs([], { FIXBOT_URL: "http://x" })).toThrow(/FIXBOT_RUNS_TOKEN/);
    expect(() => parseRunsArgs(["a", "b", "--url", "http://x", "--token", "t"], {})).toThrow(UsageError);
  });

  it("a refusal from the bot is printed with its status, exit 1; bad arguments exit 2", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { env: {}, stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) };
    const refuse = async () => new Response(JSON.stringify({ error: "send Authorization: Bearer <FIXBOT_RUNS_TOKEN>" }), { status: 401 });
    expect(await runsCommand({ ...io, argv: ["--url", "http://bot", "--token", "bad"], fetch: refuse as typeof fetch })).toBe(1);
    expect(err.join("")).toContain("401 from http://bot/api/runs: send Authorization");
    expect(await runsCommand({ ...io, argv: ["--bogus"] })).toBe(2);
    expect(out).toEqual([]);
  });
});
