import { execFileSync } from "node:child_process";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readUntrustedFile } from "../../src/util/read-untrusted.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fixbot-untrusted-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("readUntrustedFile: what an agent leaves for fixbot to read", () => {
  it("reads a small regular file", async () => {
    await writeFile(join(dir, "usage.json"), '{"turns":3}');
    expect(await readUntrustedFile(join(dir, "usage.json"), 1024)).toEqual({ text: '{"turns":3}' });
  });

  it("refuses a link (to a host secret or /dev/zero) and a FIFO that would block, without hanging", async () => {
    await writeFile(join(dir, "secret"), "host secret");
    await symlink(join(dir, "secret"), join(dir, "link.json"));
    await symlink("/dev/zero", join(dir, "zero.json"));
    execFileSync("mkfifo", [join(dir, "fifo.json")]);
    expect(await readUntrustedFile(join(dir, "link.json"), 1024)).toBeUndefined();
    expect(await readUntrustedFile(join(dir, "zero.json"), 1024)).toBeUndefined();
    expect(await readUntrustedFile(join(dir, "fifo.json"), 1024)).toBeUndefined();
    expect(await readUntrustedFile(join(dir, "missing.json"), 1024)).toBeUndefined();
  });

  it("says how large a file over the limit is, without reading it", async () => {
    await writeFile(join(dir, "big"), Buffer.alloc(4096));
    expect(await readUntrustedFile(join(dir, "big"), 1024)).toEqual({ tooLarge: 4096 });
  });
});
