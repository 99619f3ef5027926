import { stat } from "node:fs/promises";
import { join } from "node:path";
import { git } from "./git.js";

export type MirrorState = { state: "missing" } | { state: "healthy" } | { state: "broken"; why: string };

/**
 * A cheap check of a mirror ("fsck-lite"): it is a repository git can open, every ref's commit is there, and
 * git finds no garbage among its objects. A full fsck would read the whole history: too slow for every fetch.
 * Damage this misses (a missing blob deep in the history) shows up as a failing fetch or fill, which also
 * rebuilds the mirror.
 */
export async function mirrorState(dir: string, timeoutMs: number): Promise<MirrorState> {
  if (!(await stat(join(dir, "HEAD")).then(() => true, () => false))) return { state: "missing" };
  const g = git(dir, { timeoutMs });
  try {
    const isBare = (await g.raw(["rev-parse", "--is-bare-repository"])).trim();
    if (isBare !== "true") return { state: "broken", why: "not a bare repository" };
    // Parses the commit of every ref: fails on a missing or corrupt tip.
    await g.raw(["rev-list", "--no-walk", "--all"]);
    const counts = await g.raw(["count-objects", "-v"]);
    const garbage = /^garbage: (\d+)$/m.exec(counts)?.[1];
    if (garbage && garbage !== "0") return { state: "broken", why: `${garbage} garbage files among its objects` };
    return { state: "healthy" };
  } catch (error) {
    return { state: "broken", why: (error as Error).message.split("\n")[0] ?? "git failed" };
  }
}
