import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cookieHeader, loadSessionKey, openSession, parseCookies, sealSession, signValue, unsignValue } from "../../src/runs/session.js";

const KEY = Buffer.from("k".repeat(32));
const session = { login: "alice", repos: ["acme/calc", "acme/web"], expiresAt: 2_000 };

describe("runs page session", () => {
  it("a sealed session opens with its key until it expires; a forged, altered or foreign one does not", () => {
    const sealed = sealSession(session, KEY);
    expect(openSession(sealed, KEY, 1_000)).toEqual(session);
    expect(openSession(sealed, KEY, 2_000)).toBeUndefined();
    expect(openSession(sealed, Buffer.from("x".repeat(32)), 1_000)).toBeUndefined();
    const [body, sig] = sealed.split(".");
    const other = sealSession({ ...session, repos: ["acme/secret"] }, Buffer.from("x".repeat(32))).split(".")[0];
    expect(openSession(`${other}.${sig}`, KEY, 1_000)).toBeUndefined();
    expect(openSession(`${body}.${sig}x`, KEY, 1_000)).toBeUndefined();
    expect(openSession(undefined, KEY, 1_000)).toBeUndefined();
    expect(openSession("garbage", KEY, 1_000)).toBeUndefined();
  });

  it("signed values and cookies", () => {
    expect(unsignValue(signValue("abc~def", KEY), KEY)).toBe("abc~def");
    expect(unsignValue(signValue("abc", KEY).replace("abc", "abd"), KEY)).toBeUndefined();
    expect(parseCookies("a=1; fixbot_runs_session=x.y ;b=2").get("fixbot_runs_session")).toBe("x.y");
    expect(cookieHeader("s", "v", { maxAgeSeconds: 60, secure: true })).toBe("s=v; Path=/runs; HttpOnly; SameSite=Lax; Max-Age=60; Secure");
  });

  it("without FIXBOT_SESSION_SECRET the key is random, kept in the data dir with mode 0600, and the same at the next start", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fixbot-session-"));
    try {
      const first = await loadSessionKey({ dataDir: dir });
      expect(first.length).toBeGreaterThanOrEqual(32);
      expect((await stat(join(dir, "runs-session.key"))).mode & 0o777).toBe(0o600);
      expect((await loadSessionKey({ dataDir: dir })).equals(first)).toBe(true);
      expect((await readFile(join(dir, "runs-session.key"), "utf8")).trim()).toBe(first.toString());
      expect((await loadSessionKey({ secret: "s".repeat(32), dataDir: dir })).toString()).toBe("s".repeat(32));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
