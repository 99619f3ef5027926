import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Logger } from "pino";
import { runProcess, type ProcessResult, type RunProcessOptions } from "../exec/run-process.js";
import { bwrapArgs, proxyEnv, SANDBOX_PATHS, sandboxUid, type Mount, type SystemEntry } from "./bwrap-args.js";
import { watchDiskUsage } from "./disk-usage.js";
import { egressPolicy, type RepoNetwork, type SandboxRole } from "./egress-policy.js";
import { startEgressProxy, type EgressProxy } from "./egress-proxy.js";
import { limitNotes, limitsHit, type LimitName } from "./limit-notes.js";
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
  const bwrap = params.bwrap ?? "bwrap";
  const { settings } = params;
  const asRoot = process.getuid?.() === 0;
  let layout: Promise<{ system: SystemEntry[]; etc: string[] }> | undefined;
  let checked: Promise<void> | undefined;
  const hostLayout = () => (layout ??= Promise.all([systemLayout(), etcEntries()]).then(([system, etc]) => ({ system, etc })));
  const limits = { memoryMb: settings.memoryMb, processes: settings.processes, diskMb: settings.diskMb };

  async function ownedBy(uid: number, paths: readonly string[]): Promise<void> {
    if (!asRoot || paths.length === 0) return;
    // -h: change links themselves; a repository's symlink to /etc/shadow must never hand that file over.
    await run("chown", ["-hR", `${uid}:${uid}`, "--", ...paths]);
  }

  async function runSandboxed(spec: SandboxRunSpec): Promise<SandboxResult> {
    await sandbox.check();
    const uid = asRoot ? sandboxUid(spec.key, settings.uidBase) : 1000;
    const scratch = await mkdtemp(join(params.dataDir, "sandbox", "run-"));
    const home = join(scratch, "home");
    const tmp = join(scratch, "tmp");
    await Promise.all([mkdir(home), mkdir(tmp)]);
    const policy = egressPolicy(settings, spec.role, spec.network);
    let proxy: EgressProxy | undefined;
    let socketDir: string | undefined;
    const overDisk = new AbortController();
    let stopWatch = () => {};
    try {
      await ownedBy(uid, [spec.workspace, home, tmp, ...(spec.files ? [spec.files] : [])]);
      if (policy.mode !== "none") {
        socketDir = await mkdtemp(join(tmpdir(), "fixbot-egress-"));
        proxy = await startEgressProxy({ socketPath: join(socketDir, "proxy.sock"), policy, log: params.log });
      }
      const { system, etc } = await hostLayout();
      // Later mounts go on top: the operator's paths keep their place even below /tmp.
      const mounts: Mount[] = [
        { host: home, at: SANDBOX_PATHS.home, writable: true },
        { host: tmp, at: SANDBOX_PATHS.tmp, writable: true },
        { host: spec.workspace, at: SANDBOX_PATHS.workspace, writable: true },
        ...(spec.files ? [{ host: spec.files, at: SANDBOX_PATHS.run, writable: true }] : []),
        ...settings.roPaths.map((p) => ({ host: p, at: p, writable: false })),
        ...settings.rwPaths.map((p) => ({ host: p, at: p, writable: true })),
        ...(spec.mounts ?? []),
      ];
      const argv = bwrapArgs({
        mode: asRoot ? "root" : "userns",
        uid,
        gid: uid,
        system,
        etc,
        mounts,
        cwd: SANDBOX_PATHS.workspace,
        ...(proxy ? { proxySocket: proxy.socketPath } : {}),
        limits: { memoryBytes: settings.memoryMb * MiB, processes: settings.processes, fileSizeBytes: settings.diskMb * MiB },
        command: spec.command,
      });
      let limit: SandboxResult["limit"];
      stopWatch = watchDiskUsage({
        dirs: [spec.workspace, home, tmp],
        limitBytes: settings.diskMb * MiB,
        onExceeded: () => {
          limit = "disk";
          overDisk.abort();
        },
      });
      const env = { ...spec.env, HOME: SANDBOX_PATHS.home, TMPDIR: SANDBOX_PATHS.tmp, USER: "sandbox", ...(proxy ? proxyEnv() : {}) };
      const signal = spec.signal ? AbortSignal.any([spec.signal, overDisk.signal]) : overDisk.signal;
      const { role: _role, workspace: _ws, files: _files, mounts: _mounts, key: _key, network: _net, ...processOptions } = spec;
      const result = await runProcess({ ...processOptions, argv: [bwrap, ...argv], cwd: spec.workspace, env, signal });
      stopWatch();
      const facts = { stoppedAt: limit, output: result.output, limits, refused: proxy?.refused ?? [] };
      const notes = limitNotes(facts);
      const tail = notes.length ? `\n${notes.join("\n")}\n` : "";
      return {
        ...result,
        aborted: result.aborted && !limit,
        output: result.output + tail,
        ...(limit ? { limit } : {}),
        notes,
        limitsHit: limitsHit(facts),
      };
    } finally {
      stopWatch();
      await proxy?.close();
      if (socketDir) await rm(socketDir, { recursive: true, force: true });
      await rm(scratch, { recursive: true, force: true });
    }
  }

  const sandbox: Sandbox = {
    enabled: settings.enabled,
    paths: (spec) =>
      settings.enabled
        ? { workspace: SANDBOX_PATHS.workspace, files: SANDBOX_PATHS.run }
        : { workspace: spec.workspace, files: spec.files ?? spec.workspace },
    async run(spec) {
      if (!settings.enabled) {
        const { role: _role, workspace, files: _files, mounts: _mounts, key: _key, network: _net, ...processOptions } = spec;
        const result = await runProcess({ ...processOptions, cwd: workspace, env: spec.env });
        return { ...result, notes: [] };
      }
      return runSandboxed(spec);
    },
    check() {
      if (!settings.enabled) return Promise.resolve();
      checked ??= probe(bwrap, params.dataDir, hostLayout, asRoot, settings).catch((error: unknown) => {
        checked = undefined;
        throw error;
      });
      return checked;
    },
  };
  return sandbox;
}

/** Starts the sandbox once with the real arguments and checks that socat is there for the egress bridge. */
async function probe(
  bwrap: string,
  dataDir: string,
  hostLayout: () => Promise<{ system: SystemEntry[]; etc: string[] }>,
  asRoot: boolean,
  settings: SandboxSettings,
): Promise<void> {
  await mkdir(join(dataDir, "sandbox"), { recursive: true });
  const dir = await mkdtemp(join(dataDir, "sandbox", "probe-"));
  try {
    const { system, etc } = await hostLayout();
    const argv = bwrapArgs({
      mode: asRoot ? "root" : "userns",
      uid: settings.uidBase,
      gid: settings.uidBase,
      system,
      etc,
      mounts: [{ host: dir, at: SANDBOX_PATHS.workspace, writable: true }],
      cwd: SANDBOX_PATHS.workspace,
      limits: { memoryBytes: settings.memoryMb * MiB, processes: settings.processes, fileSizeBytes: settings.diskMb * MiB },
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
