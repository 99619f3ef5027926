import { constants } from "node:fs";
import { open } from "node:fs/promises";

/**
 * Reads a file that sandboxed code could have written or replaced: only a regular file (not a link to
 * /etc/shadow or /dev/zero, not a FIFO that would block), at most `maxBytes`. Returns undefined when there is no
 * such file; `tooLarge` when it is bigger.
 */
export async function readUntrustedFile(path: string, maxBytes: number): Promise<{ text: string } | { tooLarge: number } | undefined> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const info = await handle.stat();
    if (!info.isFile()) return undefined;
    if (info.size > maxBytes) return { tooLarge: info.size };
    const buffer = Buffer.alloc(info.size);
    const { bytesRead } = await handle.read(buffer, 0, info.size, 0);
    return { text: buffer.subarray(0, bytesRead).toString("utf8") };
  } finally {
    await handle.close();
  }
}
