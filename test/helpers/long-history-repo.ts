import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { execFileSync } from "node:child_process";

/**
 * A bare repository with a long history, generated in one `git fast-import` pass (seconds, not minutes):
 * `commits` commits on `main`, each rewriting `filesPerCommit` of `files` files with `bytesPerFile` bytes of
 * fresh random text (incompressible, so the pack's size is roughly commits x filesPerCommit x bytesPerFile / 2).
 */
export async function createLongHistoryRepo(params: {
  dir: string;
  commits: number;
  files?: number;
  filesPerCommit?: number;
  bytesPerFile?: number;
}): Promise<void> {
  const files = params.files ?? 50;
  const perCommit = params.filesPerCommit ?? 2;
  const bytes = params.bytesPerFile ?? 4096;
  await mkdir(params.dir, { recursive: true });
  execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch=main", params.dir]);
  const child = spawn("git", ["fast-import", "--quiet"], {
    cwd: params.dir,
    env: { ...process.env, GIT_DIR: params.dir },
    stdio: ["pipe", "ignore", "inherit"],
  });
  const done = new Promise<void>((resolve, reject) =>
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import exited ${code}`)))),
  );
  const send = (chunk: string) =>
    new Promise<void>((resolve) => (child.stdin.write(chunk) ? resolve() : child.stdin.once("drain", () => resolve())));
  // Written in large chunks: one pipe write per file would spend most of the time in system calls.
  let buffer: string[] = [];
  let buffered = 0;
  const write = async (text: string) => {
    buffer.push(text);
    buffered += text.length;
    if (buffered < 1 << 22) return;
    await send(buffer.join(""));
    buffer = [];
    buffered = 0;
  };
  const start = 1_700_000_000;
  for (let i = 0; i < params.commits; i++) {
    const message = `change ${i + 1}\n`;
    await write(
      `commit refs/heads/main\ncommitter Gen <gen@example.com> ${start + i * 60} +0000\ndata ${Buffer.byteLength(message)}\n${message}`,
    );
    for (let f = 0; f < (i === 0 ? files : perCommit); f++) {
      const file = i === 0 ? f : (i * perCommit + f) % files;
      const content = randomBytes(Math.ceil(bytes / 2))
        .toString("hex")
        .slice(0, bytes);
      await write(`M 100644 inline src/file-${file}.txt\ndata ${content.length}\n${content}\n`);
    }
    await write("\n");
  }
  await send(buffer.join(""));
  child.stdin.end();
  await done;
}

/** Adds one commit on `main` of a bare repository (a new change on the remote between two fetches). */
export function addCommit(dir: string, path: string, content: string): string {
  const git = (args: string[], input?: string) =>
    execFileSync("git", args, { env: { ...process.env, GIT_DIR: dir }, input })
      .toString()
      .trim();
  const parent = git(["rev-parse", "refs/heads/main"]);
  const blob = git(["hash-object", "-w", "--stdin"], content);
  const tree = git(
    ["mktree"],
    `${git(["ls-tree", parent])
      .split("\n")
      .filter((l) => !l.endsWith(`\t${path}`))
      .join("\n")}\n100644 blob ${blob}\t${path}\n`,
  );
  const commit = execFileSync("git", ["commit-tree", tree, "-p", parent, "-m", `edit ${path}`], {
    env: {
      ...process.env,
      GIT_DIR: dir,
      GIT_AUTHOR_NAME: "a",
      GIT_AUTHOR_EMAIL: "a@x",
      GIT_COMMITTER_NAME: "a",
      GIT_COMMITTER_EMAIL: "a@x",
    },
  })
    .toString()
    .trim();
  git(["update-ref", "refs/heads/main", commit]);
  return commit;
}
