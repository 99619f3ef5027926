import { copyFile, link, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * Fills a clean repository with a mirror's objects by hard links: packs and loose objects never change once
 * written (git writes new files and deletes old ones), so a link is as good as a copy, costs no space and no
 * time, and the clean repository stays self-contained (no `alternates` file naming a host path the sandbox
 * cannot see; a later repack of the mirror leaves the linked files in place). A different file system gets a copy.
 */

/** Pack files in the order a reader needs them to appear: the pack before its index (git finds packs by `.idx`). */
const PACK_ORDER = [".pack", ".rev", ".idx"] as const;

async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [] as string[]);
}

async function linkOrCopy(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EXDEV" && code !== "EPERM") throw error;
    await copyFile(from, to);
    return true;
  }
}

/** Links every pack and loose object of `fromGitDir` missing in `toGitDir`; returns how many files were added. */
export async function linkObjects(fromGitDir: string, toGitDir: string): Promise<number> {
  let added = 0;
  const fromPacks = join(fromGitDir, "objects", "pack");
  const toPacks = join(toGitDir, "objects", "pack");
  await mkdir(toPacks, { recursive: true });
  const packFiles = await names(fromPacks);
  for (const suffix of PACK_ORDER) {
    for (const name of packFiles.filter((n) => n.startsWith("pack-") && n.endsWith(suffix))) {
      if (await linkOrCopy(join(fromPacks, name), join(toPacks, name))) added++;
    }
  }
  for (const fan of (await names(join(fromGitDir, "objects"))).filter((n) => /^[0-9a-f]{2}$/.test(n))) {
    const loose = await names(join(fromGitDir, "objects", fan));
    if (loose.length === 0) continue;
    await mkdir(join(toGitDir, "objects", fan), { recursive: true });
    for (const name of loose.filter((n) => /^[0-9a-f]{38,62}$/.test(n))) {
      if (await linkOrCopy(join(fromGitDir, "objects", fan, name), join(toGitDir, "objects", fan, name))) added++;
    }
  }
  return added;
}
