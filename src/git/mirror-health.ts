import { stat } from "node:fs/promises";
import { join } from "node:path";
import { git } from "./git.js";

export type MirrorState = { state: "missing" } | { state: "healthy" } | { state: "broken"; why: string };

/**
 * A cheap check of a mirror ("fsck-lite", one git process): git can open it as a repository and every ref's
 * commit is there and parses. A full fsck would read the whole history: too slow for every fetch. Damage this
 * misses (a missing tree or blob deeper in the history) shows up as a failing fetch or fill, which also
 * rebuilds the mirror (mirror.ts).
 */
export async function mirrorState(dir: string, timeoutMs: number): Promise<MirrorState> {
  if (
    !(await stat(join(dir, "HEAD")).then(
      () => true,
      () => false,
    ))
  )
    return { state: "missing" };
  try {
    await git(dir, { timeoutMs }, { GIT_DIR: dir }).raw(["rev-list", "--no-walk", "--all"]);
    return { state: "healthy" };
  } catch (error) {
    return { state: "broken", why: (error as Error).message.split("\n")[0] ?? "git failed" };
  }
}
