import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureEngine, detectionTimings, ENGINE_LAUNCHER, engineTuning, LAUNCHER_SET_PREFIX } from "../../src/runtime/engine.js";

const run = promisify(execFile);

describe("detectionTimings: how fast the engine notices a dead process", () => {
  it("default 2.5 s: seen every 0.5 s, ineligible for new actors after 2 s, lost after 2.5 s", () => {
    expect(detectionTimings(2500)).toEqual({ lostMs: 2500, eligibleMs: 2000, pingMs: 500 });
  });

  it.each([1000, 1500, 2500, 7000, 60_000])(
    "lost %i ms: several pings fit in the eligibility window, which ends before the lost one",
    (lostMs) => {
      const t = detectionTimings(lostMs);
      expect(t.pingMs).toBeGreaterThan(0);
      expect(t.eligibleMs).toBeGreaterThanOrEqual(t.pingMs * 3);
      expect(t.lostMs).toBeGreaterThanOrEqual(t.pingMs * 5);
      expect(t.eligibleMs).toBeLessThan(t.lostMs);
    },
  );
});

describe("configureEngine", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "fixbot-engine-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("makes RivetKit start the embedded engine through the launcher, with the real binary and the timings", async () => {
    const env: NodeJS.ProcessEnv = {};
    const settings = await configureEngine({ dataDir: dir, env });
    expect(settings).toMatchObject({ embedded: true, storagePath: join(dir, "engine"), endpoint: "http://127.0.0.1:6420" });
    expect(env.RIVET_ENGINE_BINARY).toBe(ENGINE_LAUNCHER);
    expect(env.FIXBOT_ENGINE_REAL_BINARY).toMatch(/rivet-engine$/);
    expect(env).toMatchObject({
      FIXBOT_ENGINE_SET_RIVET__PEGBOARD__ENVOY_LOST_THRESHOLD: "2500",
      FIXBOT_ENGINE_SET_RIVET__PEGBOARD__RUNNER_LOST_THRESHOLD: "2500",
      FIXBOT_ENGINE_SET_RIVET__PEGBOARD__ENVOY_ELIGIBLE_THRESHOLD: "2000",
      FIXBOT_ENGINE_SET_RIVET__PEGBOARD__RUNNER_ELIGIBLE_THRESHOLD: "2000",
      FIXBOT_ENGINE_SET_RIVET__PEGBOARD__ENVOY_UPDATE_PING_INTERVAL: "500",
      FIXBOT_ENGINE_SET_RIVET__GUARD__ROUTE_PEGBOARD_RESOLVE_QUERY_TIMEOUT_MS: "5000",
    });
  });

  it("FIXBOT_ENGINE_LOST_MS sets the timings; a bad value names the variable", async () => {
    const env: NodeJS.ProcessEnv = { FIXBOT_ENGINE_LOST_MS: "5000" };
    await configureEngine({ dataDir: dir, env });
    expect(env).toMatchObject({
      FIXBOT_ENGINE_SET_RIVET__PEGBOARD__ENVOY_LOST_THRESHOLD: "5000",
      FIXBOT_ENGINE_SET_RIVET__PEGBOARD__ENVOY_ELIGIBLE_THRESHOLD: "4500",
      FIXBOT_ENGINE_SET_RIVET__PEGBOARD__ENVOY_UPDATE_PING_INTERVAL: "500",
    });
    await expect(configureEngine({ dataDir: dir, env: { FIXBOT_ENGINE_LOST_MS: "200" } })).rejects.toThrow(
      /FIXBOT_ENGINE_LOST_MS.*at least 1000/s,
    );
  });

  it("leaves an operator's own engine binary, and an external engine, alone", async () => {
    const own: NodeJS.ProcessEnv = { RIVET_ENGINE_BINARY: "/opt/rivet-engine" };
    await configureEngine({ dataDir: dir, env: own });
    expect(own.RIVET_ENGINE_BINARY).toBe("/opt/rivet-engine");
    expect(own.FIXBOT_ENGINE_REAL_BINARY).toBeUndefined();
    const external: NodeJS.ProcessEnv = { RIVET_ENDPOINT: "http://engine:6420" };
    expect(await configureEngine({ dataDir: dir, env: external })).toEqual({ endpoint: "http://engine:6420", embedded: false });
    expect(external.RIVET_ENGINE_BINARY).toBeUndefined();
  });

  it("the launcher puts the timings over RivetKit's own and execs the real binary with its arguments", async () => {
    const fakeEngine = join(dir, "fake-engine");
    await writeFile(fakeEngine, '#!/bin/sh\necho "args: $*"\nenv | grep "^RIVET__" | sort\n');
    await chmod(fakeEngine, 0o755);
    const { stdout } = await run(ENGINE_LAUNCHER, ["start"], {
      env: {
        PATH: process.env.PATH,
        // What RivetKit sets when it spawns the engine; the launcher must win.
        RIVET__PEGBOARD__ENVOY_LOST_THRESHOLD: "7000",
        RIVET__PEGBOARD__ENVOY_ELIGIBLE_THRESHOLD: "5000",
        RIVET__PEGBOARD__BASE_RETRY_TIMEOUT: "100",
        FIXBOT_ENGINE_REAL_BINARY: fakeEngine,
        ...Object.fromEntries(Object.entries(engineTuning(2500)).map(([name, value]) => [`${LAUNCHER_SET_PREFIX}${name}`, value])),
        // Only the engine's own variables with numeric values are passed on (a PATH of /nowhere would leave the
        // fake engine without env, grep and sort, and print nothing).
        FIXBOT_ENGINE_SET_PATH: "/nowhere",
        FIXBOT_ENGINE_SET_RIVET__GUARD__HOST: "0.0.0.0; echo injected",
      },
    });
    expect(stdout).toContain("args: start");
    expect(stdout).toContain("RIVET__PEGBOARD__ENVOY_LOST_THRESHOLD=2500");
    expect(stdout).toContain("RIVET__PEGBOARD__RUNNER_LOST_THRESHOLD=2500");
    expect(stdout).toContain("RIVET__PEGBOARD__ENVOY_ELIGIBLE_THRESHOLD=2000");
    expect(stdout).toContain("RIVET__PEGBOARD__ENVOY_UPDATE_PING_INTERVAL=500");
    expect(stdout).toContain("RIVET__PEGBOARD__BASE_RETRY_TIMEOUT=100");
    expect(stdout).toContain("RIVET__GUARD__ROUTE_PEGBOARD_RESOLVE_QUERY_TIMEOUT_MS=5000");
    expect(stdout).not.toContain("injected");
    expect(stdout).not.toMatch(/^RIVET__GUARD__HOST=/m);
  });

  it("the launcher refuses to start without the real binary", async () => {
    await expect(run(ENGINE_LAUNCHER, ["start"], { env: { PATH: process.env.PATH } })).rejects.toMatchObject({
      stderr: expect.stringContaining("FIXBOT_ENGINE_REAL_BINARY"),
    });
  });
});
