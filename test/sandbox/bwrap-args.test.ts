import { describe, expect, it } from "vitest";
import { bwrapArgs, parentDirs, SANDBOX_PATHS, sandboxUid, type BwrapSpec } from "../../src/sandbox/bwrap-args.js";

const spec: BwrapSpec = {
  mode: "root",
  uid: 201234,
  gid: 201234,
  system: [
    { path: "/usr", kind: "dir" },
    { path: "/bin", kind: "symlink", target: "usr/bin" },
  ],
  etc: ["/etc/passwd", "/etc/ssl"],
  mounts: [
    { host: "/data/workspaces/o/r/1", at: SANDBOX_PATHS.workspace, writable: true },
    { host: "/src/fixtures", at: "/src/fixtures", writable: false },
  ],
  cwd: SANDBOX_PATHS.workspace,
  limits: { memoryBytes: 1 << 30, processes: 64, fileSizeBytes: 1 << 20 },
  command: "npm test",
};

function pairs(args: string[], flag: string): string[][] {
  const out: string[][] = [];
  args.forEach((a, i) => {
    if (a === flag) out.push(args.slice(i + 1, i + 3));
  });
  return out;
}

describe("bwrapArgs", () => {
  const args = bwrapArgs(spec);
  const beforeCommand = args.slice(0, args.indexOf("--"));

  it("new pid, net, ipc, uts namespaces; dies with fixbot; a new session", () => {
    for (const flag of ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--new-session"])
      expect(beforeCommand).toContain(flag);
  });

  it("the system read-only, /etc only in the listed parts, the workspace the only writable place besides HOME and TMPDIR", () => {
    expect(pairs(beforeCommand, "--ro-bind")).toContainEqual(["/usr", "/usr"]);
    expect(pairs(beforeCommand, "--symlink")).toContainEqual(["usr/bin", "/bin"]);
    expect(pairs(beforeCommand, "--ro-bind-try")).toEqual([
      ["/etc/passwd", "/etc/passwd"],
      ["/etc/ssl", "/etc/ssl"],
    ]);
    expect(pairs(beforeCommand, "--bind")).toEqual([["/data/workspaces/o/r/1", "/workspace"]]);
    expect(pairs(beforeCommand, "--ro-bind")).toContainEqual(["/src/fixtures", "/src/fixtures"]);
  });

  it("as root: limits first, then setpriv drops to the sandbox uid with no capabilities and no new privileges", () => {
    const rest = args.slice(args.indexOf("--") + 1);
    expect(rest.slice(0, 6)).toEqual(["prlimit", `--data=${1 << 30}`, "--nproc=64", `--fsize=${1 << 20}`, "--core=0", "--"]);
    expect(rest.slice(6, 16)).toEqual([
      "setpriv",
      "--reuid",
      "201234",
      "--regid",
      "201234",
      "--clear-groups",
      "--inh-caps=-all",
      "--bounding-set=-all",
      "--no-new-privs",
      "--",
    ]);
    expect(rest.slice(16)).toEqual(["/bin/sh", "-c", "npm test"]);
  });

  it("not root: a user namespace with no further ones, and no setpriv", () => {
    const user = bwrapArgs({ ...spec, mode: "userns", uid: 1000, gid: 1000 });
    expect(user).toEqual(expect.arrayContaining(["--unshare-user", "--uid", "1000", "--disable-userns"]));
    expect(user).not.toContain("setpriv");
  });

  it("with egress: the proxy's socket is mounted and a bridge starts before the command", () => {
    const withProxy = bwrapArgs({ ...spec, proxySocket: "/tmp/x/proxy.sock" });
    expect(pairs(withProxy, "--ro-bind")).toContainEqual(["/tmp/x/proxy.sock", SANDBOX_PATHS.proxySocket]);
    const shell = withProxy.slice(withProxy.lastIndexOf("/bin/sh"));
    expect(shell[1]).toBe("-c");
    expect(shell[2]).toContain("socat TCP-LISTEN:3128,bind=127.0.0.1");
    expect(shell.at(-1)).toBe("npm test");
  });

  it("creates the parents of mount points readable (bwrap would make them root-only)", () => {
    expect(pairs(beforeCommand, "--dir").map(([d]) => d)).toEqual(["/etc", "/src"]);
    expect(parentDirs(["/a/b/c", "/usr/local/x", "/run/fixbot"], ["/usr"])).toEqual(["/a", "/run", "/a/b"]);
    // Below a bound directory (the sandbox's /tmp), parents are made too: bwrap would make them root-only.
    expect(parentDirs(["/tmp/harness/shared"], ["/usr", "/tmp"])).toEqual(["/tmp/harness"]);
  });
});

describe("sandboxUid", () => {
  it("is stable for a workspace, in the range, and differs between workspaces", () => {
    expect(sandboxUid("o/r/1", 200_000)).toBe(sandboxUid("o/r/1", 200_000));
    const uids = new Set(["o/r/1", "o/r/2", "o/s/1", "p/r/1"].map((k) => sandboxUid(k, 200_000)));
    expect(uids.size).toBe(4);
    for (const uid of uids) expect(uid >= 200_000 && uid < 260_000).toBe(true);
  });
});
