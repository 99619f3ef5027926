import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { AgentError } from "../agents/types.js";
import type { Sandbox } from "../sandbox/sandbox.js";
import { readUntrustedFile } from "../util/read-untrusted.js";

/** Patches above this are refused: they would bloat the workflow history and no reviewer reads them. */
export const MAX_PATCH_BYTES = 2 * 1024 * 1024;

/** Where the clean repository is shown (read-only) to the measuring git inside the sandbox. */
const GIT_AT = "/run/fixbot-git";

export interface ChangeSummary {
  /** Binary-safe diff of everything changed against the base, untracked files included (.gitignore honoured). */
  patch: string;
  files: string[];
  insertions: number;
  deletions: number;
}

/**
 * The sandboxed command that measures the workspace against `baseSha`: git reads fixbot's clean repository
 * read-only (new objects and the index go to the sandbox's TMPDIR) and writes the diff to the invocation's
 * files. It runs in the sandbox because the workspace is the agent's: git on the host never reads that tree.
 */
function measureCommand(baseSha: string, at: { git: string; workTree: string; out: string }): string {
  const git = "git -c core.hooksPath=/dev/null -c core.fsmonitor=false -c core.quotePath=true";
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const out = q(at.out);
  return [
    "set -e",
    `export GIT_DIR=${q(at.git)} GIT_WORK_TREE=${q(at.workTree)} GIT_INDEX_FILE="$TMPDIR/fixbot-index" GIT_OBJECT_DIRECTORY="$TMPDIR/fixbot-objects" GIT_ALTERNATE_OBJECT_DIRECTORIES=${q(`${at.git}/objects`)} GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null`,
    'mkdir -p "$GIT_OBJECT_DIRECTORY"',
    `${git} read-tree ${baseSha}`,
    `${git} add --all`,
    `${git} diff --cached --binary --no-ext-diff --no-textconv ${baseSha} > ${out}/change.patch`,
    `${git} diff --cached --numstat --no-ext-diff ${baseSha} > ${out}/numstat.txt`,
  ].join("\n");
}

/** Reads a file the sandbox wrote: a regular file (no link) of at most `limit` bytes. */
async function readBounded(path: string, limit: number, what: string): Promise<string> {
  const read = await readUntrustedFile(path, limit);
  if (!read) throw new Error(`measuring the agent's change wrote no ${what}`);
  if ("tooLarge" in read)
    throw new AgentError(
      `The agent's change is ${Math.round(read.tooLarge / 1024)} KiB, over the ${limit / 1024} KiB limit: it probably committed generated files. Add them to .gitignore.`,
    );
  return read.text;
}

export function parseNumstat(numstat: string): Omit<ChangeSummary, "patch"> {
  let insertions = 0;
  let deletions = 0;
  const files: string[] = [];
  for (const line of numstat.split("\n").filter(Boolean)) {
    const [added, removed, ...path] = line.split("\t");
    insertions += Number(added) || 0;
    deletions += Number(removed) || 0;
    files.push(path.join("\t"));
  }
  return { files, insertions, deletions };
}

/** What the agent changed in `workspace` relative to `baseSha`, measured by git inside the sandbox. */
export async function measureChange(params: {
  sandbox: Sandbox;
  gitDir: string;
  workspace: string;
  baseSha: string;
  key: string;
  scratchDir: string;
  timeoutMs: number;
}): Promise<ChangeSummary> {
  await mkdir(params.scratchDir, { recursive: true });
  const files = await mkdtemp(join(params.scratchDir, "fixbot-measure-"));
  try {
    const seen = params.sandbox.paths({ workspace: params.workspace, files });
    const at = { git: params.sandbox.enabled ? GIT_AT : params.gitDir, workTree: seen.workspace, out: seen.files };
    const result = await params.sandbox.run({
      role: "tests",
      network: { network: "none" },
      key: params.key,
      workspace: params.workspace,
      files,
      mounts: [{ host: params.gitDir, at: GIT_AT, writable: false }],
      command: measureCommand(params.baseSha, at),
      env: { PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin", TMPDIR: files, LANG: "C.UTF-8" },
      timeoutMs: params.timeoutMs,
    });
    if (result.exitCode !== 0)
      throw new Error(`measuring the agent's change failed (${result.exitCode ?? result.signal}): ${result.output.trim().slice(-500)}`);
    const patch = await readBounded(join(files, "change.patch"), MAX_PATCH_BYTES, "patch");
    return { patch, ...parseNumstat(await readBounded(join(files, "numstat.txt"), MAX_PATCH_BYTES, "file list")) };
  } finally {
    await rm(files, { recursive: true, force: true });
  }
}
