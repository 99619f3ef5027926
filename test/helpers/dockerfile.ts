import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** What of the Dockerfile decides how the bot starts: the final stage's ENV, USER, WORKDIR and CMD. */
export interface ImageStart {
  env: Record<string, string>;
  /** USER, as a number (the Dockerfile must give a numeric uid so a runtime can check it is not root). */
  uid: number;
  workdir: string;
  cmd: string[];
}

/**
 * Reads the Dockerfile's instructions that shape the running bot. Handles what fixbot's Dockerfile uses:
 * `ENV A=b C=d` (unquoted or double-quoted values), `USER <uid>`, `WORKDIR`, `CMD [json]`, and `\` line
 * continuations. Pure.
 */
export function parseDockerfile(text: string): ImageStart {
  const lines = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const env: Record<string, string> = {};
  let uid: number | undefined;
  let workdir = "/";
  let cmd: string[] | undefined;
  for (const line of lines) {
    const [instruction, ...restParts] = line.split(/\s+/);
    const rest = line.slice(instruction!.length).trim();
    switch (instruction!.toUpperCase()) {
      case "FROM":
        // A new stage starts afresh.
        for (const key of Object.keys(env)) delete env[key];
        uid = undefined;
        break;
      case "ENV":
        for (const m of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g))
          env[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
        break;
      case "USER":
        if (!/^\d+(:\d+)?$/.test(restParts[0] ?? "")) throw new Error(`USER must be a numeric uid, got "${rest}"`);
        uid = Number(restParts[0]!.split(":")[0]);
        break;
      case "WORKDIR":
        workdir = rest;
        break;
      case "CMD":
        cmd = JSON.parse(rest) as string[];
        break;
    }
  }
  if (uid === undefined) throw new Error("the Dockerfile sets no USER: the bot would run as root");
  if (!cmd) throw new Error("the Dockerfile has no CMD");
  return { env, uid, workdir, cmd };
}

export async function readImageStart(root: string): Promise<ImageStart> {
  return parseDockerfile(await readFile(join(root, "Dockerfile"), "utf8"));
}
