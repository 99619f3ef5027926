import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { isolateEngineEnv } from "./engine-env.js";
import { createBareRemote } from "./git-remote.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
/** The `fixbot` executable a user runs. */
export const FIXBOT_BIN = join(ROOT, "bin", "fixbot.js");

export interface CliLab {
  /** The environment the CLI runs with: this lab's engine ports and data directory (FIXBOT_DATA_DIR). */
  env: NodeJS.ProcessEnv;
  /** A temporary directory for the lab's files. */
  work: string;
  /** A bare remote of the calc fixture, whose tests fail until add() is fixed. */
  remote: Awaited<ReturnType<typeof createBareRemote>>;
  /** The issue file (markdown) naming the add() bug. */
  issueFile: string;
  /** Runs `fixbot <args>` as a child process; resolves with its exit code and output, never rejects. */
  fixbot(
    args: string[],
    options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  cleanup(): Promise<void>;
}

/** What the CLI tests share: an isolated engine and data directory, the fixture's remote and its issue. */
export async function createCliLab(prefix: string, issueBody = "add(2, 3) should be 5 but is -1."): Promise<CliLab> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  isolateEngineEnv(env);
  const work = await mkdtemp(join(tmpdir(), `${prefix}-`));
  env.FIXBOT_DATA_DIR = join(work, "data");
  const remote = await createBareRemote({ fixture: join(ROOT, "fixtures", "repos", "calc") });
  const issueFile = join(work, "issue.md");
  await writeFile(issueFile, `# add() returns the wrong result\n\n${issueBody}\n`);
  return {
    env,
    work,
    remote,
    issueFile,
    async fixbot(args, options = {}) {
      try {
        const { stdout, stderr } = await run(process.execPath, [FIXBOT_BIN, ...args], {
          env: options.env ?? env,
          timeout: options.timeoutMs ?? 120_000,
          maxBuffer: 64 * 1024 * 1024,
        });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code?: number; stdout?: string; stderr?: string };
        return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
      }
    },
    async cleanup() {
      await remote.cleanup();
      await rm(work, { recursive: true, force: true });
    },
  };
}
