/**
 * The bubblewrap command line for one sandboxed command (pure). See sandbox.ts for how it is used and the README's
 * threat model for what each part stops.
 */

/** A top-level system path on the host, as the sandbox should show it. */
export type SystemEntry = { path: string; kind: "dir" } | { path: string; kind: "symlink"; target: string };

export interface Mount {
  host: string;
  /** Where the sandbox sees it. */
  at: string;
  writable: boolean;
}

/** Where sandboxed commands find things; the same paths whatever the host layout. */
export const SANDBOX_PATHS = {
  workspace: "/workspace",
  /** Task, prompt, feedback, diff and usage files of one invocation. */
  run: "/run/fixbot",
  home: "/home/sandbox",
  tmp: "/tmp",
  proxySocket: "/run/fixbot-egress.sock",
} as const;

/** The port the in-sandbox bridge to the egress proxy listens on (sandbox loopback only). */
export const PROXY_PORT = 3128;

export interface BwrapSpec {
  /** `root`: bwrap runs privileged and drops to `uid` with setpriv inside; `userns`: an unprivileged user namespace. */
  mode: "root" | "userns";
  uid: number;
  gid: number;
  system: SystemEntry[];
  /** Files of /etc to show (only these: the host's other configuration stays hidden). */
  etc: string[];
  mounts: Mount[];
  cwd: string;
  /** Host path of the egress proxy's socket; absent: no network at all. */
  proxySocket?: string;
  limits: { memoryBytes: number; processes: number; fileSizeBytes: number };
  /** The shell command to run with /bin/sh -c. */
  command: string;
}

/**
 * Starts the bridge from the sandbox's own loopback to the egress proxy's socket, waits until it listens (so the
 * command's first request finds it), then runs the command as the shell's $1.
 */
export function proxyBridgeScript(): string {
  const hexPort = PROXY_PORT.toString(16).toUpperCase().padStart(4, "0");
  return [
    `socat TCP-LISTEN:${PROXY_PORT},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:${SANDBOX_PATHS.proxySocket} 2>/dev/null &`,
    `i=0; while ! grep -q ':${hexPort} 00000000:0000 0A' /proc/net/tcp 2>/dev/null && [ $i -lt 300 ]; do i=$((i+1)); sleep 0.01; done`,
    `exec /bin/sh -c "$1"`,
  ].join("\n");
}

/** Proxy variables for the common clients (curl, git, npm, pip, Node's fetch with NODE_USE_ENV_PROXY). */
export function proxyEnv(): Record<string, string> {
  const url = `http://127.0.0.1:${PROXY_PORT}`;
  return {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    http_proxy: url,
    https_proxy: url,
    NO_PROXY: "localhost,127.0.0.1,::1",
    no_proxy: "localhost,127.0.0.1,::1",
    NODE_USE_ENV_PROXY: "1",
  };
}

export function bwrapArgs(spec: BwrapSpec): string[] {
  const args: string[] = [
    "--die-with-parent",
    "--new-session",
    "--unshare-pid",
    "--unshare-net",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--hostname",
    "sandbox",
  ];
  if (spec.mode === "userns") args.push("--unshare-user", "--uid", String(spec.uid), "--gid", String(spec.gid), "--disable-userns");
  for (const entry of spec.system) {
    if (entry.kind === "symlink") args.push("--symlink", entry.target, entry.path);
    else args.push("--ro-bind", entry.path, entry.path);
  }
  args.push("--proc", "/proc", "--dev", "/dev");
  const binds: Array<[flag: string, host: string, at: string]> = [
    ...spec.etc.map((file): [string, string, string] => ["--ro-bind-try", file, file]),
    ...spec.mounts.map((m): [string, string, string] => [m.writable ? "--bind" : "--ro-bind", m.host, m.at]),
    ...(spec.proxySocket ? [["--ro-bind", spec.proxySocket, SANDBOX_PATHS.proxySocket] as [string, string, string]] : []),
  ];
  const systemPaths = spec.system.map((e) => e.path);
  const mounted: string[] = [];
  for (const [flag, host, at] of binds) {
    for (const dir of parentDirs([at], [...systemPaths, ...mounted])) {
      args.push("--perms", "0755", "--dir", dir);
      mounted.push(dir);
    }
    args.push(flag, host, at);
    mounted.push(at);
  }
  args.push("--chdir", spec.cwd, "--");

  const limits = [
    "prlimit",
    `--data=${spec.limits.memoryBytes}`,
    `--nproc=${spec.limits.processes}`,
    `--fsize=${spec.limits.fileSizeBytes}`,
    "--core=0",
    "--",
  ];
  // As root, prlimit sets the limits before setpriv gives up root: the process limit then counts the sandbox's uid.
  const dropRoot =
    spec.mode === "root"
      ? [
          "setpriv",
          "--reuid",
          String(spec.uid),
          "--regid",
          String(spec.gid),
          "--clear-groups",
          "--inh-caps=-all",
          "--bounding-set=-all",
          "--no-new-privs",
          "--",
        ]
      : [];
  const shell = spec.proxySocket ? ["/bin/sh", "-c", proxyBridgeScript(), "fixbot-sandbox", spec.command] : ["/bin/sh", "-c", spec.command];
  return [...args, ...limits, ...dropRoot, ...shell];
}

/**
 * The directories bwrap must create to hold a mount point, outermost first: those not already a system path, a
 * mount point, or (for a mount point below a bound directory such as /tmp) created by bwrap itself, which would
 * make them readable by root only, so the sandbox's uid could not reach what is mounted below them.
 */
export function parentDirs(mountPoints: readonly string[], provided: readonly string[]): string[] {
  const covered = (dir: string) => provided.some((p) => dir === p || (p !== "/" && systemLike(p) && dir.startsWith(`${p}/`)));
  const dirs = new Set<string>();
  for (const point of mountPoints) {
    const parts = point.split("/").filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const dir = `/${parts.slice(0, i).join("/")}`;
      if (!covered(dir)) dirs.add(dir);
    }
  }
  return [...dirs].sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b));
}

/** System paths are read-only binds of whole trees: what lies below them exists. Other mounts may need parents made. */
function systemLike(path: string): boolean {
  return ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt"].includes(path);
}

/** One uid per workspace (stable, so every step of a run sees its own files), spread over a range. */
export function sandboxUid(key: string, base: number, range = 60_000): number {
  let hash = 2166136261;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619) >>> 0;
  return base + (hash % range);
}
