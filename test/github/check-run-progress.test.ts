import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkExternalId, upsertCheckRun } from "../../src/github/check-run.js";
import { completeOpenCheckRun, startCheckRun } from "../../src/github/check-run-progress.js";
import { createOctokit } from "../../src/github/octokit.js";
import { createCheckRunStore, nockCheckRuns } from "../helpers/fake-check-runs.js";

const SHA = "c".repeat(40);
const BASE = "/repos/acme/calc";

/** A real Octokit against the in-memory check runs on a nock scope; `writes` lists the POSTs and PATCHes. */
function setup() {
  const store = createCheckRunStore();
  const writes: Array<{ method: string; path: string }> = [];
  nockCheckRuns(nock("https://api.github.com").persist(), BASE, "acme/calc", store, writes);
  const key = {
    octokit: createOctokit({ token: "t", retries: 0, throttle: false }),
    app: { appId: 1, botLogin: "fixbot[bot]" },
    owner: "acme",
    repo: "calc",
    headSha: SHA,
    name: "fixbot review",
    externalId: checkExternalId("review", SHA),
  };
  return { store, writes, key };
}

describe("a check run while its work runs", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());

  it("started in_progress once (a retried start finds it), completed by the report: one check run", async () => {
    const { store, writes, key } = setup();
    const first = await startCheckRun({ ...key, title: "Reviewing", summary: "…" });
    const retried = await startCheckRun({ ...key, title: "Reviewing", summary: "…" });
    expect(first).toMatchObject({ status: "in_progress", existed: false });
    expect(retried).toMatchObject({ id: first.id, status: "in_progress", existed: true });
    expect(store.runs).toEqual([expect.objectContaining({ status: "in_progress", externalId: `fixbot-review:${SHA}` })]);
    await upsertCheckRun({ ...key, conclusion: "success", title: "No findings", summary: "ok" });
    expect(store.runs).toEqual([expect.objectContaining({ id: first.id, status: "completed", conclusion: "success", updates: 1 })]);
    expect(writes.map((w) => w.method)).toEqual(["POST", "PATCH"]);
  });

  it("a failure completes an open check run, never a completed one, and does nothing without one", async () => {
    const { store, writes, key } = setup();
    const failed = { ...key, conclusion: "neutral" as const, title: "The review could not finish", summary: "step x failed" };
    expect(await completeOpenCheckRun(failed)).toBeUndefined();
    const started = await startCheckRun({ ...key, title: "Reviewing", summary: "…" });
    expect(await completeOpenCheckRun(failed)).toBe(started.id);
    expect(store.runs).toEqual([expect.objectContaining({ status: "completed", conclusion: "neutral", summary: "step x failed" })]);
    // Already completed (a retried failure step, or a report that got through): left as it is.
    expect(await completeOpenCheckRun({ ...failed, conclusion: "failure" })).toBeUndefined();
    expect(store.runs[0]).toMatchObject({ conclusion: "neutral", updates: 1 });
    expect(writes.map((w) => w.method)).toEqual(["POST", "PATCH"]);
  });

  it("another App's check run with the same name and external id is not taken for ours", async () => {
    const { store, key } = setup();
    const foreign = store.addForeign("acme/calc", SHA, "fixbot review", `fixbot-review:${SHA}`);
    foreign.status = "in_progress";
    const ours = await startCheckRun({ ...key, title: "Reviewing", summary: "…" });
    expect(ours.id).not.toBe(foreign.id);
    expect(store.runs).toHaveLength(2);
  });
});
