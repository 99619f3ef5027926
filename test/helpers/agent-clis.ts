import { execFile } from "node:child_process";
import { access, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * The real agent CLIs the presets run, pinned. They are not devDependencies: each ships a native binary of ~400 MB
 * (Claude Code's Bun executable, Codex's Rust one), ~800 MB together, which every `npm ci` (and the Docker build)
 * would download for two test files. Instead the tests install them once into a cache directory with npm, the
 * registry's ordinary client (FIXBOT_TEST_CLI_CACHE, default under the system temp directory, which the sandbox's
 * uids can traverse), under a lock so parallel test files install once.
 */
export const AGENT_CLI_VERSIONS = { "@anthropic-ai/claude-code": "2.1.332", "@openai/codex": "0.171.0" } as const;

export interface AgentClis {
  /** The install directory: shown read-only in the sandbox (FIXBOT_SANDBOX_RO_PATHS). */
  dir: string;
  /** node_modules/.bin, for PATH: `claude` and `codex`. */
  binDir: string;
}

export async function ensureAgentClis(): Promise<AgentClis> {
  const tag = Object.entries(AGENT_CLI_VERSIONS)
    .map(([name, v]) => `${name.split("/")[1]}-${v}`)
    .join("+");
  const dir = join(process.env.FIXBOT_TEST_CLI_CACHE ?? join(tmpdir(), "fixbot-agent-clis"), tag);
  const binDir = join(dir, "node_modules", ".bin");
  const done = join(dir, ".installed");
  if (
    await access(done).then(
      () => true,
      () => false,
    )
  )
    return { dir, binDir };
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await writeFile(join(dir, "package.json"), JSON.stringify({ private: true, dependencies: AGENT_CLI_VERSIONS }, null, 2));
  // flock serialises installs; the second holder finds the marker and npm has nothing left to do.
  const install = `[ -e .installed ] || { npm install --no-audit --no-fund --no-save --omit=dev >&2 && ./node_modules/.bin/claude --version >&2 && ./node_modules/.bin/codex --version >&2 && touch .installed; }`;
  await run("flock", [join(dir, ".lock"), "sh", "-c", install], { cwd: dir, timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 });
  return { dir, binDir };
}
