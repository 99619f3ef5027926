import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createMetrics } from "../../src/metrics/registry.js";
import type { AppHarness } from "../helpers/app-harness.js";
import { useAppHarness } from "../helpers/integration-suite.js";
import { fakeGitHub, type FakeGitHubState } from "../helpers/fake-github-nock.js";
import { createBareRemote, listRemoteBranches } from "../helpers/git-remote.js";
import { calcIssueLabeledPayload } from "../helpers/payloads.js";

const ROOT = join(import.meta.dirname, "..", "..");
const CALC = join(ROOT, "fixtures", "repos", "calc");
const OWNER = "acme";
const DAY = 24 * 3_600_000;

// The bot's clock: real time shifted to 2 Dec 2026, 10:00 UTC; a test moves it to the next UTC day.
let offset = Date.UTC(2026, 11, 2, 10, 0) - Date.now();
const now = () => Date.now() + offset;
const metrics = createMetrics();

const suite = useAppHarness({
  now,
  metrics,
  spend: { ceilings: { tokens: 2_000_000 }, limits: { "repo-day": { tokens: 1000 } } },
});
let harness: AppHarness;
beforeAll(() => {
  harness = suite.harness();
});

/** Fixes add() and reports 1,200 tokens (over the 1,000-token daily window in one attempt). */
const FIX_AND_REPORT = `sed 's/a - b/a + b/' src/calc.js > t && mv t src/calc.js && echo '{"turns":2,"inputTokens":1000,"outputTokens":200,"costUsd":0.03}' > "$FIXBOT_USAGE_FILE"`;
/** Changes something that does not fix the bug, and reports 1,200 tokens. */
const MISS_AND_REPORT = `echo '// tried' >> src/calc.js && echo '{"turns":1,"inputTokens":1100,"outputTokens":100}' > "$FIXBOT_USAGE_FILE"`;

async function scenario(repo: string, configYaml: string) {
  const remote = await createBareRemote({ fixture: CALC });
  suite.onCleanup(remote.cleanup);
  const fake = fakeGitHub({ owner: OWNER, repo, configYaml, roles: { alice: "write" } });
  suite.useFake(fake.stop);
  const label = (number: number) =>
    harness.probot.receive({
      id: `delivery-${repo}-${number}-${Math.random().toString(36).slice(2)}`,
      name: "issues",
      payload: calcIssueLabeledPayload({ owner: OWNER, repo, number, label: "fixbot", senderLogin: "alice", cloneUrl: remote.url }),
    } as never);
  return { remote, fake: fake.state, label };
}

const tracking = (state: FakeGitHubState, issue: number) =>
  state.comments.find((c) => c.issue === issue && c.body.includes("fixbot:tracking"))?.body ?? "";

describe("operator ceilings and spend windows", () => {
  it("a repository config asking for more than the operator's ceiling is refused with a comment naming the ceiling", async () => {
    const { remote, fake, label } = await scenario(
      "calc-greedy",
      `agent:\n  command: ${JSON.stringify(FIX_AND_REPORT)}\nbudgets:\n  tokens: 10000000\n`,
    );
    await label(1);
    const [run] = await harness.waitForRuns(`${OWNER}/calc-greedy`, 1);
    expect(run?.status, JSON.stringify(run?.error ?? run?.steps)).toBe("error");
    expect(run?.steps.map((s) => s.name)).not.toContain("run-agent#1");
    const body = tracking(fake, 1);
    expect(body).toContain("asks for more than this fixbot allows");
    expect(body).toContain("`budgets.tokens` asks for 10,000,000, more than this fixbot's ceiling of 2,000,000 (FIXBOT_MAX_BUDGET_TOKENS");
    expect(Object.keys(await listRemoteBranches(remote.dir))).toEqual(["main"]);
  });

  it("a used-up daily window refuses new runs (saying when it resets) until the next UTC day", async () => {
    const { fake, label } = await scenario("calc-spend", `agent:\n  command: ${JSON.stringify(FIX_AND_REPORT)}\n`);
    await label(1);
    const [first] = await harness.waitForRuns(`${OWNER}/calc-spend`, 1);
    expect(first?.status, JSON.stringify(first?.error ?? first?.steps)).toBe("fixed");
    // The tracking comment shows the usage the agent reported.
    expect(tracking(fake, 1)).toContain("| 1 | 2 | 1,200 (1,000 / 200) | $0.0300 |");

    await label(2);
    const [second] = await harness.waitForRuns(`${OWNER}/calc-spend`, 2);
    expect(second?.status, JSON.stringify(second?.error ?? second?.steps)).toBe("error");
    expect(second?.steps.map((s) => s.name)).not.toContain("run-agent#1");
    const refusal = tracking(fake, 2);
    expect(refusal).toContain(
      "The run was not started: today's (UTC) spend window of acme/calc-spend is used up (1,200 of 1,000 tokens, FIXBOT_SPEND_REPO_DAY_TOKENS)",
    );
    expect(refusal).toContain("resets at 2026-12-03T00:00:00Z");

    offset += DAY;
    await label(3);
    const [third] = await harness.waitForRuns(`${OWNER}/calc-spend`, 3);
    expect(third?.status, JSON.stringify(third?.error ?? third?.steps)).toBe("fixed");
    expect(await metrics.registry.getSingleMetricAsString("fixbot_spend_refusals_total")).toContain(
      'fixbot_spend_refusals_total{limit="repo-day"} 1',
    );
  });

  it("a run that passes a window is stopped at its next budget check; the org's spend actor holds what was counted", async () => {
    const { remote, fake, label } = await scenario("calc-stop", `maxAttempts: 3\nagent:\n  command: ${JSON.stringify(MISS_AND_REPORT)}\n`);
    await label(1);
    const [run] = await harness.waitForRuns(`${OWNER}/calc-stop`, 1);
    expect(run?.status, JSON.stringify(run?.error ?? run?.steps)).toBe("error");
    expect(run?.steps.map((s) => s.name)).toEqual(expect.arrayContaining(["run-agent#1", "run-tests#1"]));
    expect(run?.steps.map((s) => s.name)).not.toContain("run-agent#2");
    expect(tracking(fake, 1)).toContain(
      "The run was stopped: today's (UTC) spend window of acme/calc-stop is used up (1,200 of 1,000 tokens",
    );
    expect(Object.keys(await listRemoteBranches(remote.dir))).toEqual(["main"]);
    const totals = await harness.runtime.client.spend.getOrCreate(["acme"]).totals("calc-stop", now());
    expect(totals["repo-day"]).toEqual({ tokens: 1200, costUsd: 0 });
  });
});
