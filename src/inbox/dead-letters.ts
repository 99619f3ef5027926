import { mkdir, open, rename, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { InboxEntry } from "./journal-records.js";

/** A delivery the inbox gave up handing to its actor, kept on disk for an operator (never retried by itself). */
export interface DeadLetter {
  entry: InboxEntry;
  /** The last error, one line. */
  reason: string;
  attempts: number;
  /** When fixbot gave up (ms since epoch). */
  at: number;
}

/** `<inbox dir>/dead-letters`: next to the journal, not in it, so the journal only ever holds work to do. */
export function deadLetterDir(inboxDir: string): string {
  return join(inboxDir, "dead-letters");
}

/** A file name for a delivery id (GitHub's are UUIDs; anything else is made safe). Pure. */
export function deadLetterName(id: string): string {
  return `${id.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 200)}.json`;
}

/** Writes the record durably (temp file, fsync, rename, fsync the directory) before the journal forgets the entry. */
export async function writeDeadLetter(inboxDir: string, letter: DeadLetter): Promise<string> {
  const dir = deadLetterDir(inboxDir);
  await mkdir(dir, { recursive: true });
  const path = join(dir, deadLetterName(letter.entry.id));
  const temp = `${path}.tmp`;
  const file = await open(temp, "w", 0o600);
  try {
    await file.writeFile(`${JSON.stringify(letter, null, 2)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  return path;
}

/** Every dead letter under the inbox dir (for tests and operators). */
export async function readDeadLetters(inboxDir: string): Promise<DeadLetter[]> {
  const dir = deadLetterDir(inboxDir);
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: DeadLetter[] = [];
  for (const name of names.filter((n) => n.endsWith(".json")).sort())
    out.push(JSON.parse(await readFile(join(dir, name), "utf8")) as DeadLetter);
  return out;
}
