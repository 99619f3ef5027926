import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { engineTuning } from "../../src/runtime/engine.js";
import { parseDockerfile, readImageStart } from "../helpers/dockerfile.js";

/**
 * docker-compose.yml and the Dockerfile say what the process tests run (test/e2e/image-start.test.ts,
 * test/e2e/replicas.test.ts, test/helpers/external-engine.ts); these checks keep them saying the same.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const exec = promisify(execFile);

interface Service {
  environment?: Record<string, string>;
  security_opt?: string[];
  restart?: string;
  deploy?: { resources?: { limits?: { cpus?: string; memory?: string } } };
  volumes?: string[];
  command?: string[];
}

async function compose(): Promise<Record<string, Service>> {
  return (parse(await readFile(join(ROOT, "docker-compose.yml"), "utf8"), { merge: true }) as { services: Record<string, Service> })
    .services;
}

describe("docker-compose.yml", () => {
  it("the engine is reached only on the project's network and requires an admin token, the one every replica sends", async () => {
    const services = await compose();
    expect((services.engine as { ports?: unknown }).ports).toBeUndefined();
    const token = services.engine!.environment!.RIVET__AUTH__ADMIN_TOKEN;
    // Compose's `${VAR:?message}`: `docker compose` stops with the message when VAR is unset or empty.
    expect(token).toMatch(/^\$\{FIXBOT_ENGINE_TOKEN:\?set FIXBOT_ENGINE_TOKEN in \.env[^}]*\}$/);
    for (const [name, s] of Object.entries(services).filter(([n]) => n.startsWith("fixbot")))
      expect(s.environment!.RIVET_TOKEN, name).toBe(token);
  });

  it("the engine runs with fixbot's failure detection and lookup timeout, as the tests' external engine", async () => {
    const env = (await compose()).engine!.environment!;
    expect(env).toMatchObject(engineTuning(2500));
  });

  it("every fixbot replica: its own stable FIXBOT_REPLICA_ID, the shared data volume, the engine, sandbox options, restart and limits", async () => {
    const replicas = Object.entries(await compose()).filter(([name]) => name.startsWith("fixbot"));
    expect(replicas.length).toBeGreaterThan(0);
    const ids = replicas.map(([, s]) => s.environment!.FIXBOT_REPLICA_ID);
    expect(new Set(ids).size).toBe(replicas.length);
    for (const [name, s] of replicas) {
      expect(s.environment, name).toMatchObject({
        RIVET_ENDPOINT: "http://engine:6420",
        RIVET_RUN_SERVICES: "0",
        FIXBOT_DATA_DIR: "/data",
      });
      expect(s.volumes, name).toContain("fixbot-data:/data");
      expect(s.security_opt, name).toEqual(expect.arrayContaining(["seccomp=unconfined", "apparmor=unconfined"]));
      expect(s.restart, name).toBe("unless-stopped");
      expect(s.deploy?.resources?.limits?.memory, name).toBeDefined();
    }
  });
});

describe("Dockerfile", () => {
  it("Node 22, the sandbox's packages, a health check through 127.0.0.2", async () => {
    const text = await readFile(join(ROOT, "Dockerfile"), "utf8");
    expect(text).toMatch(/^FROM node:22-/m);
    for (const pkg of ["git", "bubblewrap", "socat", "util-linux", "tini"])
      expect(text).toMatch(new RegExp(`apt-get install[^\\n]*\\b${pkg}\\b`));
    expect(text).toMatch(/^HEALTHCHECK .*bin\/healthcheck\.js/m);
    expect(await readFile(join(ROOT, "bin", "healthcheck.js"), "utf8")).toContain("127.0.0.2");
    const image = await readImageStart(ROOT);
    expect(image.workdir).toBe("/app");
  });

  it("FIXBOT_AGENTOS=0 (the slimmer image) drops exactly the agentOS packages from what `npm install` installs", async () => {
    const text = (await readFile(join(ROOT, "Dockerfile"), "utf8")).replace(/\\\n/g, " ");
    const run = /^RUN (if \[ "\$FIXBOT_AGENTOS" = "0" \].*?; fi)\s+&& npm install --omit=dev\b/m.exec(text);
    expect(run, "the Dockerfile's FIXBOT_AGENTOS step").not.toBeNull();
    const original = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as {
      dependencies: object;
      optionalDependencies: Record<string, string>;
    };
    const dir = await mkdtemp(join(tmpdir(), "fixbot-slim-"));
    try {
      const after = async (agentos: string) => {
        await copyFile(join(ROOT, "package.json"), join(dir, "package.json"));
        await exec("sh", ["-c", run![1]!], { cwd: dir, env: { ...process.env, FIXBOT_AGENTOS: agentos } });
        return JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as typeof original;
      };
      const slim = await after("0");
      expect(slim.dependencies).toEqual(original.dependencies);
      expect(Object.keys(slim.optionalDependencies ?? {})).toEqual([]);
      expect(Object.keys(original.optionalDependencies)).toEqual(
        expect.arrayContaining(["@rivet-dev/agentos-core", "@agentos-software/pi"]),
      );
      expect(await after("1")).toEqual(original);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("FIXBOT_AGENT_PACKAGES: the image's own step installs the named packages globally, their commands on PATH", async () => {
    const text = await readFile(join(ROOT, "Dockerfile"), "utf8");
    const step = /^RUN (if \[ -n "\$FIXBOT_AGENT_PACKAGES" \].*; fi)$/m.exec(text);
    expect(step, "the Dockerfile's FIXBOT_AGENT_PACKAGES step").not.toBeNull();
    const dir = await mkdtemp(join(tmpdir(), "fixbot-agent-cli-"));
    try {
      // A tiny agent CLI packed as npm would fetch it; the global prefix and the npm cache are this test's own.
      const pkg = join(dir, "pkg");
      await mkdir(join(pkg, "bin"), { recursive: true });
      await writeFile(
        join(pkg, "package.json"),
        JSON.stringify({ name: "fake-agent-cli", version: "1.0.0", bin: { "fake-agent": "bin/cli.js" } }),
      );
      await writeFile(join(pkg, "bin", "cli.js"), '#!/usr/bin/env node\nconsole.log("fake agent " + process.argv.slice(2).join(" "));\n');
      const { stdout } = await exec("npm", ["pack", "--pack-destination", dir], { cwd: pkg });
      const tarball = join(dir, stdout.trim().split("\n").pop()!);
      const prefix = join(dir, "global");
      const env = {
        ...process.env,
        FIXBOT_AGENT_PACKAGES: tarball,
        npm_config_prefix: prefix,
        npm_config_cache: join(dir, "cache"),
        npm_config_offline: "true",
      };
      await exec("sh", ["-c", step![1]!], { cwd: dir, env });
      const ran = await exec("fake-agent", ["--version"], { env: { ...process.env, PATH: `${join(prefix, "bin")}:${process.env.PATH}` } });
      expect(ran.stdout.trim()).toBe("fake agent --version");
      // Unset: the step installs nothing.
      await exec("sh", ["-c", step![1]!], { cwd: dir, env: { ...env, FIXBOT_AGENT_PACKAGES: "", npm_config_prefix: join(dir, "none") } });
      await expect(readFile(join(dir, "none", "bin", "fake-agent"))).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("parseDockerfile reads ENV pairs, a numeric USER and CMD, and refuses a named or missing USER", () => {
    const start = parseDockerfile('FROM x\nENV A=1 B="two words" \\\n  C=3\nUSER 10001\nWORKDIR /app\nCMD ["node", "a.js"]\n');
    expect(start).toEqual({ env: { A: "1", B: "two words", C: "3" }, uid: 10001, workdir: "/app", cmd: ["node", "a.js"] });
    expect(() => parseDockerfile('FROM x\nUSER fixbot\nCMD ["node"]')).toThrow(/numeric uid/);
    expect(() => parseDockerfile('FROM x\nCMD ["node"]')).toThrow(/no USER/);
  });
});
