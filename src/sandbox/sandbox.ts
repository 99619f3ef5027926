import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Logger } from "pino";
import { runProcess, type ProcessResult, type RunProcessOptions } from "../exec/run-process.js";
import { bwrapArgs, SANDBOX_PATHS, sandboxUid, type Mount, type SystemEntry } from "./bwrap-args.js";
import { watchDiskUsage } from "./disk-usage.js";
import { egressPolicy, type EgressPolicy, type RepoNetwork, type SandboxRole } from "./egress-policy.js";
import { startEgressProxy, type EgressProxy } from "./egress-proxy.js";
import type { LimitName } from "./limit-notes.js";
import { commandEnv, commandMounts, resourceLimits, withLimitNotes } from "./sandboxed-command.js";
import type { SandboxSettings } from "./settings.js";
import { etcEntries, systemLayout } from "./system-layout.js";

const run = promisify(execFile);
const MiB = 1024 * 1024;

/** The sandbox cannot start here; the message says how to fix it. A run never falls back to running unsandboxed. */
export class SandboxUnavailableError extends Error {}

export interface SandboxRunSpec extends Omit<RunProcessOptions, "cwd" | "argv" | "env"> {
  role: SandboxRole;
  /** Host directory shown read-write at /workspace (the command's cwd). */
  workspace: string;
  /** Host directory with the invocation's files, shown read-write at /run/fixbot. */
  files?: string;
  /** Further host paths, e.g. fixbot's clean git directory read-only for measuring a change. */
  mounts?: Mount[];
  /** What the workspace belongs to (owner/repo/issue): every step of one run gets the same uid. */
  key: string;
  /** The command's environment (an allowlist built by the caller); HOME, TMPDIR, USER and proxy variables are set here. */
  env: Record<string, string>;
  network?: RepoNetwork;
}

export interface SandboxResult extends ProcessResult {
  /** Set when fixbot stopped the command at a limit it watches. */
  limit?: "disk";
  /** The lines appended to `output` naming limits and refused egress. */
  notes: string[];
  /** The limits the command hit (counted in the metrics). */
  limitsHit?: LimitName[];
}

export interface Sandbox {
  readonly enabled: boolean;
  /** How the command sees a workspace and an invocation's files (host paths when the sandbox is off). */
  paths(spec: { workspace: string; files?: string }): { workspace: string; files: string };
  run(spec: SandboxRunSpec): Promise<SandboxResult>;
  /** Starts an empty sandbox once; throws SandboxUnavailableError saying what is missing. */
  check(): Promise<void>;
}

const HOW_TO_FIX =
  "fixbot runs repository code (agents, setup and test commands) only inside a bubblewrap sandbox. " +
  "Install it (Debian/Ubuntu: `apt-get install bubblewrap socat`), allow user namespaces (in Docker: " +
  "`--security-opt seccomp=unconfined --security-opt apparmor=unconfined`, see the README), or, only on a machine " +
  "that cannot have one, set FIXBOT_SANDBOX=off (repository code then runs as fixbot's own user and can read its key).";

/** The per-run sandbox (see the README's threat model). `settings.enabled === false` runs commands directly. */
export function createSandbox(params: {
  settings: SandboxSettings;
  dataDir: string;
  log?: Logger;
  /** The bubblewrap binary (tests name a missing one). */ bwrap?: string;
}): Sandbox {
  const { settings } = params;
  let layout: Promise<HostLayout> | undefined;
  let checked: Promise<void> | undefined;
  const host: SandboxHost = {
    bwrap: params.bwrap ?? "bwrap",
    settings,
    asRoot: process.getuid?.() === 0,
    dataDir: params.dataDir,
    log: params.log,
    layout: () => (layout ??= Promise.all([systemLayout(), etcEntries()]).then(([system, etc]) => ({ system, etc }))),
  };

  const sandbox: Sandbox = {
    enabled: settings.enabled,
    paths: (spec) =>
      settings.enabled
        ? { workspace: SANDBOX_PATHS.workspace, files: SANDBOX_PATHS.run }
        : { workspace: spec.workspace, files: spec.files ?? spec.workspace },
    async run(spec) {
      if (!settings.enabled) {
        const result = await runProcess({ ...processOptions(spec), cwd: spec.workspace, env: spec.env });
        return { ...result, notes: [] };
      }
      await sandbox.check();
      return runSandboxed(host, spec);
    },
    check() {
      if (!settings.enabled) return Promise.resolve();
      checked ??= probe(host).catch((error: unknown) => {
        checked = undefined;
        throw error;
      });
      return checked;
    },
  };
  return sandbox;
}

type HostLayout = { system: SystemEntry[]; etc: string[] };

/** What every command of one sandbox shares. */
interface SandboxHost {
  bwrap: string;
  settings: SandboxSettings;
  /** fixbot runs as root: bwrap drops to a per-workspace uid; otherwise it uses an unprivileged user namespace. */
  asRoot: boolean;
  dataDir: string;
  log?: Logger;
  /** The host's system paths and /etc files, read once. */
  layout: () => Promise<HostLayout>;
}

/** The spec without the fields only the sandbox reads: what runProcess gets. */
function processOptions(spec: SandboxRunSpec) {
  const { role: _role, workspace: _ws, files: _files, mounts: _mounts, key: _key, network: _net, ...options } = spec;
  return options;
}

/** One command in a fresh sandbox: its own HOME and TMPDIR, its egress proxy, the disk watch; all removed afterwards. */
async function runSandboxed(host: SandboxHost, spec: SandboxRunSpec): Promise<SandboxResult> {
  const { settings } = host;
  const uid = host.asRoot ? sandboxUid(spec.key, settings.uidBase) : 1000;
  const scratch = await mkdtemp(join(host.dataDir, "sandbox", "run-"));
  const home = join(scratch, "home");
  const tmp = join(scratch, "tmp");
  await Promise.all([mkdir(home), mkdir(tmp)]);
  const policy = egressPolicy(settings, spec.role, spec.network);
  let egress: Egress | undefined;
  try {
    await ownedBy(host.asRoot, uid, [spec.workspace, home, tmp, ...(spec.files ? [spec.files] : [])]);
    egress = await startEgress(policy, host.log);
    const { system, etc } = await host.layout();
    const argv = bwrapArgs({
      mode: host.asRoot ? "root" : "userns",
      uid,
      gid: uid,
      system,
      etc,
      mounts: commandMounts({ home, tmp, workspace: spec.workspace, files: spec.files }, settings, spec.mounts),
      cwd: SANDBOX_PATHS.workspace,
      ...(egress ? { proxySocket: egress.proxy.socketPath } : {}),
      limits: resourceLimits(settings),
      command: spec.command,
    });
    const env = commandEnv(spec.env, egress !== undefined);
    const options: RunProcessOptions = { ...processOptions(spec), argv: [host.bwrap, ...argv], cwd: spec.workspace, env };
    const { result, overDisk } = await runWatchingDisk([spec.workspace, home, tmp], settings.diskMb * MiB, options);
    return withLimitNotes(result, { stoppedAt: overDisk ? "disk" : undefined, settings, refused: egress?.proxy.refused ?? [] });
  } finally {
    await stopEgress(egress);
    await rm(scratch, { recursive: true, force: true });
  }
}

async function ownedBy(asRoot: boolean, uid: number, paths: readonly string[]): Promise<void> {
  if (!asRoot || paths.length === 0) return;
  // -h: change links themselves; a repository's symlink to /etc/shadow must never hand that file over.
  await run("chown", ["-hR", `${uid}:${uid}`, "--", ...paths]);
}

interface Egress {
  proxy: EgressProxy;
  socketDir: string;
}

/** The command's egress proxy, on a socket in a directory of its own; none when the policy allows no network. */
async function startEgress(policy: EgressPolicy, log: Logger | undefined): Promise<Egress | undefined> {
  if (policy.mode === "none") return undefined;
  const socketDir = await mkdtemp(join(tmpdir(), "fixbot-egress-"));
  try {
    return { proxy: await startEgressProxy({ socketPath: join(socketDir, "proxy.sock"), policy, log }), socketDir };
  } catch (error) {
    await rm(socketDir, { recursive: true, force: true });
    throw error;
  }
}

async function stopEgress(egress: Egress | undefined): Promise<void> {
  if (!egress) return;
  await egress.proxy.close();
  await rm(egress.socketDir, { recursive: true, force: true });
}

/** Runs the command, stopping it like an abort when its writable directories use more than `limitBytes` together. */
async function runWatchingDisk(
  dirs: string[],
  limitBytes: number,
  options: RunProcessOptions,
): Promise<{ result: ProcessResult; overDisk: boolean }> {
  const overDisk = new AbortController();
  const stopWatch = watchDiskUsage({ dirs, limitBytes, onExceeded: () => overDisk.abort() });
  try {
    const signal = options.signal ? AbortSignal.any([options.signal, overDisk.signal]) : overDisk.signal;
    const result = await runProcess({ ...options, signal });
    return { result, overDisk: overDisk.signal.aborted };
  } finally {
    stopWatch();
  }
}

/** Starts the sandbox once with the real arguments and checks that socat is there for the egress bridge. */
async function probe(host: SandboxHost): Promise<void> {
  const { bwrap, settings } = host;
  await mkdir(join(host.dataDir, "sandbox"), { recursive: true });
  const dir = await mkdtemp(join(host.dataDir, "sandbox", "probe-"));
  try {
    const { system, etc } = await host.layout();
    const argv = bwrapArgs({
      mode: host.asRoot ? "root" : "userns",
      uid: settings.uidBase,
      gid: settings.uidBase,
      system,
      etc,
      mounts: [{ host: dir, at: SANDBOX_PATHS.workspace, writable: true }],
      cwd: SANDBOX_PATHS.workspace,
      limits: resourceLimits(settings),
      command:
        settings.egress === "none"
          ? "true"
          : "command -v socat >/dev/null || { echo 'socat is missing (the egress bridge needs it)' >&2; exit 3; }",
    });
    const result = await runProcess({
      command: bwrap,
      argv: [bwrap, ...argv],
      cwd: dir,
      env: { PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" },
      timeoutMs: 30_000,
    });
    if (result.exitCode !== 0) {
      const why =
        result.exitCode === 127 && /ENOENT|not found/.test(result.output)
          ? "bubblewrap (bwrap) is not installed"
          : result.output.trim() || `bwrap exited ${result.exitCode}`;
      throw new SandboxUnavailableError(`The sandbox cannot start: ${why}. ${HOW_TO_FIX}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
