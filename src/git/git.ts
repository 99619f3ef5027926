import { simpleGit, type SimpleGit } from "simple-git";
import { gitEnv } from "./git-env.js";
import type { MirrorSpec } from "./mirror.js";

export interface GitAccess {
  /** Clone URL (https, file:// or a local path). */
  url: string;
  /** Installation token for https remotes; sent as a header, never stored. */
  token?: string;
  timeoutMs: number;
  /** Fetches go through this installation's mirror (warm clones, mirror.ts); unset: straight from the remote. */
  mirror?: MirrorSpec;
}

/**
 * simple-git in `dir` with fixbot's hardened environment (git-env.ts). `dir` is always one of fixbot's own
 * repositories: never a tree an agent or a test has touched.
 */
export function git(dir: string, access: Pick<GitAccess, "token" | "timeoutMs">, extraEnv: Record<string, string> = {}): SimpleGit {
  const env = { ...gitEnv({ token: access.token }), ...extraEnv };
  return simpleGit({
    baseDir: dir,
    timeout: { block: access.timeoutMs },
    // simple-git guards every GIT_* variable. Ours are deliberate: the token header and the safety settings travel
    // in GIT_CONFIG_* (never in argv or a config file), and the host's global config is replaced by /dev/null.
    allowEnvironment: Object.keys(env).filter((k) => k.startsWith("GIT_")),
    // hooksPath and fsmonitor are set by fixbot itself, to turn them off.
    unsafe: { allowUnsafeConfigEnvCount: true, allowUnsafeConfigPaths: true, allowUnsafeHooksPath: true, allowUnsafeFsMonitor: true },
  }).env(env);
}
