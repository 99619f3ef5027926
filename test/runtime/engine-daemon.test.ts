import { readFile, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stopEmbeddedEngine } from "../../src/runtime/engine.js";
import { engineAnswers, engineEnv, engineFiles, FAILOVER_THRESHOLDS, operatorEngineSettings, startEngineDaemon } from "../../src/runtime/engine-daemon.js";

const dirs: string[] = [];
const engines: string[] = [];
afterAll(async () => {
  for (const storage of engines) await stopEmbeddedEngine(storage);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "fixbot-engine-daemon-"));
  dirs.push(d);
  return d;
}
const randomPort = () => 20_000 + 16 * Math.floor(Math.random() * 2_500) + 7;

describe("engineEnv", () => {
  it("gives the engine its ports, its data directory and the fast failover thresholds, and none of the parent's Rivet settings", () => {
    const env = engineEnv({ port: 30_000, storagePath: "/data/engine", baseEnv: { PATH: "/bin", RIVET_ENDPOINT: "http://elsewhere", RIVETKIT_STORAGE_PATH: "/x", RUST_LOG: "debug" } });
    expect(env).toMatchObject({ PATH: "/bin", RIVET__GUARD__PORT: "30000", RIVET__API_PEER__PORT: "30001", RIVET__METRICS__PORT: "30010", ...FAILOVER_THRESHOLDS });
    expect(env.RIVET__FILE_SYSTEM__PATH).toBe("/data/engine/.rivetkit/var/engine/db");
    expect(env.RIVET_ENDPOINT).toBeUndefined();
    expect(env.RIVETKIT_STORAGE_PATH).toBeUndefined();
    expect(env.RUST_LOG).toBeUndefined();
  });

  it("an operator's own RIVET__ settings win over fixbot's", () => {
    const base = { RIVET__PEGBOARD__ENVOY_LOST_THRESHOLD: "10000", RIVET_ENDPOINT: "x" };
    const env = engineEnv({ port: 30_000, storagePath: "/d", baseEnv: base, overrides: operatorEngineSettings(base) });
    expect(env.RIVET__PEGBOARD__ENVOY_LOST_THRESHOLD).toBe("10000");
    expect(env.RIVET__PEGBOARD__RUNNER_LOST_THRESHOLD).toBe("3000");
    expect(operatorEngineSettings(base)).toEqual({ RIVET__PEGBOARD__ENVOY_LOST_THRESHOLD: "10000" });
  });
});

describe("startEngineDaemon (the real engine binary)", () => {
  it("starts a healthy engine with the fast thresholds; its pid is recorded where stopEmbeddedEngine finds it", async () => {
    const storage = await tempDir();
    engines.push(storage);
    const { pid, endpoint } = await startEngineDaemon({ port: randomPort(), storagePath: storage, env: process.env, readyTimeoutMs: 60_000 });
    expect(await engineAnswers(endpoint)).toBe(true);
    const runtime = JSON.parse(await readFile(engineFiles(storage).runtime, "utf8")) as { pid: number; endpoint: string };
    expect(runtime).toMatchObject({ pid, endpoint });
    const environ = await readFile(`/proc/${pid}/environ`, "utf8");
    expect(environ.split("\0")).toContain("RIVET__PEGBOARD__ENVOY_LOST_THRESHOLD=3000");
    await stopEmbeddedEngine(storage);
    expect(await engineAnswers(endpoint)).toBe(false);
  });

  it("a port held by something else: a clear error naming the port, not a hang", async () => {
    const port = randomPort();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(port, "127.0.0.1", r));
    try {
      const storage = await tempDir();
      await expect(startEngineDaemon({ port, storagePath: storage, env: process.env, readyTimeoutMs: 60_000 })).rejects.toThrow(`port ${port} on 127.0.0.1 is in use`);
    } finally {
      blocker.close();
    }
  });
});
