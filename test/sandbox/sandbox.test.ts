import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSandbox, SandboxUnavailableError, type Sandbox } from "../../src/sandbox/sandbox.js";
import { testSandboxSettings } from "../helpers/sandbox.js";

/**
 * The real sandbox (bubblewrap on this machine), tried the way hostile repository code would: every probe
 * prints what it found, and the test asserts each attempt failed. The bot-level version of this is
 * test/e2e/hostile-repo.test.ts.
 */
let root: string;
let dataDir: string;
let workspace: string;
let sandbox: Sandbox;
let loopback: Server;
let loopbackHits = 0;
let mirror: Server;
const SECRET = "fixbot-test-secret-7b1e4c";

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));
}

async function run(command: string, extra: Partial<Parameters<Sandbox["run"]>[0]> = {}) {
  return sandbox.run({
    role: "tests",
    command,
    workspace,
    key: "acme/calc/1",
    env: { PATH: "/usr/local/bin:/usr/bin:/bin", SECRET_IN_PARENT: "no" },
    timeoutMs: 30_000,
    ...extra,
  });
}

let loopbackPort: number;
let mirrorPort: number;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "fixbot-sandbox-"));
  dataDir = join(root, "data");
  workspace = join(dataDir, "workspaces", "acme", "calc", "1");
  await mkdir(workspace, { recursive: true });
  await mkdir(join(dataDir, "workspaces", "acme", "other", "2"), { recursive: true });
  await writeFile(join(dataDir, "workspaces", "acme", "other", "2", "secret.txt"), SECRET);
  await writeFile(join(dataDir, ".env"), `PRIVATE_KEY=${SECRET}\n`);
  await writeFile(join(workspace, "calc.js"), "module.exports = 1;\n");
  process.env.FIXBOT_TEST_PARENT_SECRET = SECRET;
  loopback = createServer((_q, r) => {
    loopbackHits++;
    r.end("engine");
  });
  loopbackPort = await listen(loopback, "127.0.0.1");
  mirror = createServer((_q, r) => r.end("mirror says hi\n"));
  mirrorPort = await listen(mirror, "127.0.0.2");
  sandbox = createSandbox({
    settings: testSandboxSettings({ processes: 64, diskMb: 64, testHosts: [`127.0.0.2:${mirrorPort}`] }),
    dataDir,
  });
  await sandbox.check();
});

afterAll(async () => {
  delete process.env.FIXBOT_TEST_PARENT_SECRET;
  loopback?.close();
  mirror?.close();
  await rm(root, { recursive: true, force: true });
});

describe("the sandbox, as hostile repository code sees it", () => {
  it("runs in /workspace as an unprivileged uid that is not fixbot's, with no capabilities and no new privileges", async () => {
    const r = await run(`pwd; id -u; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status; cat calc.js; echo "$HOME $TMPDIR"`);
    const [pwd, uid, capEff, nnp, file, dirs] = r.output.trim().split("\n");
    expect(r.exitCode, r.output).toBe(0);
    expect(pwd).toBe("/workspace");
    expect(Number(uid)).not.toBe(0);
    expect(Number(uid)).not.toBe(process.getuid!());
    expect(capEff).toMatch(/CapEff:\s+0+$/);
    expect(nnp).toMatch(/NoNewPrivs:\s+1/);
    expect(file).toBe("module.exports = 1;");
    expect(dirs).toBe("/home/sandbox /tmp");
  });

  it("sees no other process: not fixbot's, not its environment, not its files", async () => {
    const r = await run(
      `echo "procs=$(ls /proc | grep -cE '^[0-9]+$')"; echo "leaked=$(cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c FIXBOT_TEST_PARENT_SECRET)"; ` +
        `for p in ${dataDir} ${join(dataDir, ".env")} ${join(dataDir, "workspaces", "acme", "other")} /root ${join(process.cwd(), "package.json")}; do ls $p >/dev/null 2>&1 && echo "SEEN $p"; done; echo done`,
    );
    expect(r.output).toContain("done");
    expect(Number(/procs=(\d+)/.exec(r.output)?.[1])).toBeLessThanOrEqual(8); // bwrap's init, the egress bridge, the shell, this pipeline
    expect(r.output).toContain("leaked=0");
    expect(r.output).not.toContain("SEEN");
    expect(r.output).not.toContain(SECRET);
  });

  it("cannot write outside the workspace, HOME and TMPDIR; what it writes there is gone after the step", async () => {
    const r = await run(
      `for p in /usr/fixbot /etc/fixbot /fixbot /opt/fixbot ${join(dataDir, "fixbot")}; do (echo x > $p) 2>/dev/null && echo "WROTE $p"; done; echo x > $HOME/h; echo x > $TMPDIR/t; echo ok > out.txt; echo done`,
    );
    expect(r.output).not.toContain("WROTE");
    expect(r.output).toContain("done");
    expect(await readFile(join(workspace, "out.txt"), "utf8")).toBe("ok\n");
    expect(existsSync(join(dataDir, "fixbot"))).toBe(false);
    expect((await readdir(join(dataDir, "sandbox"))).filter((n) => n.startsWith("run-"))).toEqual([]);
  });

  it("reaches no loopback service of the host (the engine, fixbot's port), not even through the proxy", async () => {
    const r = await run(
      `curl -s -m 5 http://127.0.0.1:${loopbackPort}/ || echo direct-failed; curl -s -m 5 -x http://127.0.0.1:3128 http://127.0.0.1:${loopbackPort}/ || echo proxy-failed; curl -s -m 5 http://localhost:${loopbackPort}/ || echo name-failed`,
    );
    expect(r.output).toContain("direct-failed");
    expect(r.output).not.toContain("engine");
    expect(loopbackHits).toBe(0);
  });

  it("egress only to the operator's hosts: a listed mirror answers, anything else is refused and named", async () => {
    const r = await run(
      `curl -s -m 10 http://127.0.0.2:${mirrorPort}/pkg; curl -s -m 10 -o /dev/null -w '%{http_code}\\n' http://example.com/ ; true`,
    );
    expect(r.output).toContain("mirror says hi");
    expect(r.output).toContain("403");
    expect(r.notes.join("\n")).toContain("example.com:80");
    const none = await run(`curl -s -m 5 http://127.0.0.2:${mirrorPort}/pkg || echo no-network`, { network: { network: "none" } });
    expect(none.output).toContain("no-network");
    expect(none.output).not.toContain("mirror says hi");
  });

  it("a setup command installs from an npm registry the operator allows (a mirror), through the egress proxy", async () => {
    // A package, packed by npm itself, served by a registry stand-in on 127.0.0.2 (an operator's mirror).
    const pkgDir = join(root, "pkg");
    await mkdir(pkgDir, { recursive: true });
    await writeFile(join(pkgDir, "package.json"), JSON.stringify({ name: "fixbot-tiny", version: "1.0.0", main: "index.js" }));
    await writeFile(join(pkgDir, "index.js"), "module.exports = 'tiny works';\n");
    const tarball = await readFile(join(pkgDir, execFileSync("npm", ["pack", "--silent"], { cwd: pkgDir, encoding: "utf8" }).trim()));
    const registry = createServer((req, res) => {
      if (req.url === "/fixbot-tiny") {
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({
            name: "fixbot-tiny",
            "dist-tags": { latest: "1.0.0" },
            versions: {
              "1.0.0": {
                name: "fixbot-tiny",
                version: "1.0.0",
                dist: { tarball: `http://127.0.0.2:${registryPort}/fixbot-tiny-1.0.0.tgz` },
              },
            },
          }),
        );
      } else if (req.url === "/fixbot-tiny-1.0.0.tgz") res.end(tarball);
      else res.writeHead(404).end("{}");
    });
    const registryPort = await listen(registry, "127.0.0.2");
    try {
      const withRegistry = createSandbox({ settings: testSandboxSettings({ testHosts: [`127.0.0.2:${registryPort}`] }), dataDir });
      await writeFile(join(workspace, "package.json"), JSON.stringify({ name: "ws", version: "0.0.0", private: true }));
      const r = await withRegistry.run({
        role: "tests",
        command: `npm install --no-audit --no-fund --registry http://127.0.0.2:${registryPort}/ fixbot-tiny && node -e "console.log(require('fixbot-tiny'))"`,
        workspace,
        key: "acme/calc/1",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
        timeoutMs: 120_000,
      });
      expect(r.exitCode, r.output).toBe(0);
      expect(r.output).toContain("tiny works");
    } finally {
      registry.close();
      await rm(join(workspace, "node_modules"), { recursive: true, force: true });
      await rm(join(workspace, "package.json"), { force: true });
      await rm(join(workspace, "package-lock.json"), { force: true });
    }
  });

  it("a fork bomb hits the process limit and ends; the limit is named", async () => {
    const r = await run(`bomb() { bomb | bomb & }; bomb; sleep 2; echo survived`, { timeoutMs: 20_000 });
    expect(r.output).toMatch(/process limit \(64 processes/);
  });

  it("a disk filler is stopped at the disk limit, and the limit is named", async () => {
    const r = await run(
      `i=0; while [ $i -lt 200 ]; do head -c 1048576 /dev/zero > fill-$i || break; i=$((i+1)); done; sleep 30; echo not-stopped`,
      { timeoutMs: 60_000 },
    );
    expect(r.limit).toBe("disk");
    expect(r.output).not.toContain("not-stopped");
    expect(r.output).toContain("disk limit (64 MiB, FIXBOT_SANDBOX_DISK_MB)");
  });

  it("nothing it starts survives it, also processes that called setsid", async () => {
    const r = await run(`setsid sh -c 'FIXBOT_SANDBOX_LEFTOVER=1 exec sleep 300' & sleep 0.2; echo started`);
    expect(r.output).toContain("started");
    const leftovers: string[] = [];
    for (const pid of await readdir("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      const environ = await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "");
      if (environ.includes("FIXBOT_SANDBOX_LEFTOVER=1")) leftovers.push(pid);
    }
    expect(leftovers).toEqual([]);
  });
});

describe("when the sandbox cannot start", () => {
  it("the error says what is missing and how to fix it; nothing runs unsandboxed", async () => {
    const broken = createSandbox({ settings: testSandboxSettings(), dataDir, bwrap: join(root, "no-bwrap-here") });
    const marker = join(root, "ran-unsandboxed");
    const attempt = broken.run({ role: "tests", command: `touch ${marker}`, workspace, key: "k", env: {}, timeoutMs: 5000 });
    await expect(attempt).rejects.toBeInstanceOf(SandboxUnavailableError);
    await expect(attempt).rejects.toThrow(/bubblewrap \(bwrap\) is not installed.*apt-get install bubblewrap socat.*FIXBOT_SANDBOX=off/s);
    expect(existsSync(marker)).toBe(false);
  });
});
