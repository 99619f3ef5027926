import { readdir } from "node:fs/promises";
import { deadLetterDir } from "../inbox/dead-letters.js";

/** How many dead letters an inbox keeps (file count; the files are not read). */
export async function countDeadLetters(inboxDir: string): Promise<number> {
  const names = await readdir(deadLetterDir(inboxDir)).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith(".json")).length;
}
