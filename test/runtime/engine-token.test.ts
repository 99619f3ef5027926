import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureEngine, ENGINE_LAUNCHER } from "../../src/runtime/engine.js";
import { ENGINE_TOKEN_FILE, embeddedEngineToken } from "../../src/runtime/engine-token.js";

const run = promisify(execFile);

describe("the embedded engine's admin token", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "fixbot-engine-token-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("without RIVET_TOKEN: a random token kept in the engine's directory (0600), the same at the next start", async () => {
    const data = join(dir, "a");
    const first: NodeJS.ProcessEnv = {};
    await configureEngine({ dataDir: data, env: first });
    expect(first.RIVET_TOKEN).toMatch(/^[0-9a-f]{64}$/);
    const file = join(data, "engine", ENGINE_TOKEN_FILE);
    expect((await readFile(file, "utf8")).trim()).toBe(first.RIVET_TOKEN);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // A bot restarted after a kill reuses the engine it left: same directory, same token.
    const again: NodeJS.ProcessEnv = {};
    await configureEngine({ dataDir: data, env: again });
    expect(again.RIVET_TOKEN).toBe(first.RIVET_TOKEN);
  });

  it("each engine directory has its own; a token fixbot made for another directory is not carried over", async () => {
    const env: NodeJS.ProcessEnv = {};
    await configureEngine({ dataDir: join(dir, "b"), env });
    const b = env.RIVET_TOKEN;
    // The same environment configured again for another engine (as `fixbot fix` and spawned bots inherit it).
    for (const key of Object.keys(env)) if (key === "RIVET_ENGINE_BINARY" || key === "RIVETKIT_STORAGE_PATH") delete env[key];
    await configureEngine({ dataDir: join(dir, "c"), env });
    expect(env.RIVET_TOKEN).toMatch(/^[0-9a-f]{64}$/);
    expect(env.RIVET_TOKEN).not.toBe(b);
    expect((await readFile(join(dir, "c", "engine", ENGINE_TOKEN_FILE), "utf8")).trim()).toBe(env.RIVET_TOKEN);
  });

  it("the operator's RIVET_TOKEN is used as is; an external engine's token is left alone", async () => {
    const own: NodeJS.ProcessEnv = { RIVET_TOKEN: "operator-secret" };
    await configureEngine({ dataDir: join(dir, "d"), env: own });
    expect(own.RIVET_TOKEN).toBe("operator-secret");
    const external: NodeJS.ProcessEnv = { RIVET_ENDPOINT: "http://engine:6420", RIVET_TOKEN: "engine-secret" };
    await configureEngine({ dataDir: join(dir, "e"), env: external });
    expect(external.RIVET_TOKEN).toBe("engine-secret");
    const none: NodeJS.ProcessEnv = { RIVET_ENDPOINT: "http://engine:6420" };
    await configureEngine({ dataDir: join(dir, "f"), env: none });
    expect(none.RIVET_TOKEN).toBeUndefined();
  });

  it("processes creating it at once all get the same token", async () => {
    const storage = join(dir, "g");
    await configureEngine({ dataDir: storage, env: { RIVETKIT_STORAGE_PATH: storage, RIVET_TOKEN: "x" } }); // makes the directory
    const tokens = await Promise.all(Array.from({ length: 20 }, () => embeddedEngineToken(storage)));
    expect(new Set(tokens).size).toBe(1);
    expect((await readFile(join(storage, ENGINE_TOKEN_FILE), "utf8")).trim()).toBe(tokens[0]);
  });

  it("the launcher gives the engine RIVET_TOKEN as its admin token", async () => {
    const fakeEngine = join(dir, "fake-engine");
    await writeFile(fakeEngine, '#!/bin/sh\necho "admin=$RIVET__AUTH__ADMIN_TOKEN"\n');
    await chmod(fakeEngine, 0o755);
    const { stdout } = await run(ENGINE_LAUNCHER, ["start"], {
      env: { PATH: process.env.PATH, FIXBOT_ENGINE_REAL_BINARY: fakeEngine, RIVET_TOKEN: "t0ken" },
    });
    expect(stdout.trim()).toBe("admin=t0ken");
  });
});
