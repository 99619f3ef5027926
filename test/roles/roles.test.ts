import { describe, expect, it } from "vitest";
import { EnvError, readEnv } from "../../src/config/env.schema.js";
import { nextCrashCount, restartDelayMs, STABLE_WORKER_MS } from "../../src/roles/restart-policy.js";
import { tsxExecArgv } from "../../src/roles/tsx-exec-argv.js";
import { workerCommand } from "../../src/roles/worker-supervisor.js";

const base = {};

describe("FIXBOT_ROLE", () => {
  it("defaults to all; serve and work are taken", () => {
    expect(readEnv({ ...base }).FIXBOT_ROLE).toBe("all");
    expect(readEnv({ ...base, FIXBOT_ROLE: "serve" }).FIXBOT_ROLE).toBe("serve");
    expect(readEnv({ ...base, FIXBOT_ROLE: "work" }).FIXBOT_ROLE).toBe("work");
  });

  it("anything else stops start-up with the variable's name and the roles there are", () => {
    expect(() => readEnv({ ...base, FIXBOT_ROLE: "worker" })).toThrow(EnvError);
    expect(() => readEnv({ ...base, FIXBOT_ROLE: "worker" })).toThrow(/FIXBOT_ROLE: must be one of all, serve, work/);
  });
});

describe("the worker's restart policy", () => {
  it("restarts a worker that crashed after running a while at once", () => {
    expect(nextCrashCount(5, STABLE_WORKER_MS)).toBe(1);
    expect(restartDelayMs(1)).toBe(0);
  });

  it("backs off a worker that keeps dying young, up to the cap", () => {
    let crashes = 0;
    const delays = [];
    for (let i = 0; i < 10; i++) {
      crashes = nextCrashCount(crashes, 100);
      delays.push(restartDelayMs(crashes, { baseMs: 250, maxMs: 30_000 }));
    }
    expect(delays).toEqual([0, 250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });
});

describe("the worker's node flags", () => {
  it("keeps a process's own tsx loader (node --import tsx, the tsx CLI)", () => {
    expect(tsxExecArgv(["--import", "tsx"], "file:///x/tsx/loader.mjs")).toEqual(["--import", "tsx"]);
    const cli = ["--require", "/a/node_modules/tsx/dist/preflight.cjs", "--import", "file:///a/node_modules/tsx/dist/loader.mjs"];
    expect(tsxExecArgv(cli, "file:///x/tsx/loader.mjs")).toEqual(cli);
  });

  it("adds tsx's loader when this process loaded tsx through its API (bin/fixbot.js)", () => {
    expect(tsxExecArgv(["--max-old-space-size=512"], "file:///x/tsx/loader.mjs")).toEqual([
      "--max-old-space-size=512",
      "--import",
      "file:///x/tsx/loader.mjs",
    ]);
  });
});

describe("the worker's command line", () => {
  it("runs node on the entry under setpriv --pdeathsig KILL when setpriv is there, so it dies with its supervisor", () => {
    expect(workerCommand("/app/src/server.ts", ["--import", "tsx"], "/usr/bin/setpriv")).toEqual([
      "/usr/bin/setpriv",
      "--pdeathsig",
      "KILL",
      "--",
      process.execPath,
      "--import",
      "tsx",
      "/app/src/server.ts",
    ]);
  });

  it("runs node directly without setpriv", () => {
    expect(workerCommand("/app/src/server.ts", ["--import", "tsx"], null)).toEqual([
      process.execPath,
      "--import",
      "tsx",
      "/app/src/server.ts",
    ]);
  });
});
