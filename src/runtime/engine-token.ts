import { randomBytes } from "node:crypto";
import { link, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The file in the embedded engine's data directory that holds its admin token (mode 0600). */
export const ENGINE_TOKEN_FILE = "admin-token";

/**
 * The embedded engine's admin token, so that its API (127.0.0.1, reachable by every local process) refuses
 * clients without it: one generated per engine data directory and kept there, so a bot restarted after a kill
 * reuses the engine it left running with the same token. Two processes creating it at once agree (the second
 * reads the first's). The operator's RIVET_TOKEN, when set, is used instead (see configureEngine).
 */
export async function embeddedEngineToken(storagePath: string): Promise<string> {
  const file = join(storagePath, ENGINE_TOKEN_FILE);
  const existing = await readToken(file);
  if (existing) return existing;
  const token = randomBytes(32).toString("hex");
  // Written whole under a name of its own, then linked into place: a reader never sees a half-written file.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  await writeFile(draft, `${token}\n`, { mode: 0o600, flag: "wx" });
  try {
    await link(draft, file);
    return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const written = await readToken(file);
    if (!written) throw new Error(`${file} holds no token: remove it and start again`, { cause: error });
    return written;
  } finally {
    await rm(draft, { force: true });
  }
}

async function readToken(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, "utf8")).trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
