import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { z } from "zod";

/** What a signed-in person's cookie holds: never their GitHub token. */
export interface Session {
  login: string;
  /** `owner/name` of the repositories they may write among the App's installations. */
  repos: string[];
  /** Epoch milliseconds. */
  expiresAt: number;
}

const SessionSchema = z.object({ login: z.string().min(1), repos: z.array(z.string()), expiresAt: z.number() });

export const SESSION_COOKIE = "fixbot_runs_session";
export const SESSION_TTL_MS = 8 * 3_600_000;
/** Browsers keep cookies up to ~4096 bytes (name, value and attributes). */
export const MAX_COOKIE_VALUE = 3800;

function mac(key: Buffer, body: string): string {
  return createHmac("sha256", key).update(body).digest("base64url");
}

/** `<deflated JSON, base64url>.<HMAC-SHA256>`. Pure. */
export function sealSession(session: Session, key: Buffer): string {
  const body = deflateRawSync(Buffer.from(JSON.stringify(session))).toString("base64url");
  return `${body}.${mac(key, body)}`;
}

/** The session in a cookie value, or undefined when it is forged, damaged or expired. Pure. */
export function openSession(value: string | undefined, key: Buffer, now: number): Session | undefined {
  const [body, sig, extra] = (value ?? "").split(".");
  if (!body || !sig || extra !== undefined) return undefined;
  const expected = Buffer.from(mac(key, body));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const parsed = SessionSchema.safeParse(
      JSON.parse(inflateRawSync(Buffer.from(body, "base64url"), { maxOutputLength: 1 << 20 }).toString()),
    );
    return parsed.success && parsed.data.expiresAt > now ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A signed short value (the OAuth state cookie): `<value>.<HMAC>`. Pure. */
export function signValue(value: string, key: Buffer): string {
  return `${value}.${mac(key, `v:${value}`)}`;
}

/** The value of signValue's output, or undefined when the signature does not match. Pure. */
export function unsignValue(signed: string | undefined, key: Buffer): string | undefined {
  const at = (signed ?? "").lastIndexOf(".");
  if (at <= 0) return undefined;
  const value = signed!.slice(0, at);
  const expected = Buffer.from(mac(key, `v:${value}`));
  const given = Buffer.from(signed!.slice(at + 1));
  return given.length === expected.length && timingSafeEqual(given, expected) ? value : undefined;
}

/** Cookies of a request's Cookie header. Pure. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

/** A Set-Cookie value: HttpOnly, SameSite=Lax, path /runs; Secure on https. Pure. */
export function cookieHeader(name: string, value: string, options: { maxAgeSeconds: number; secure: boolean }): string {
  const parts = [`${name}=${value}`, "Path=/runs", "HttpOnly", "SameSite=Lax", `Max-Age=${options.maxAgeSeconds}`];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

/** The HMAC key: FIXBOT_SESSION_SECRET, else a random key kept in `<dataDir>/runs-session.key` (mode 0600). */
export async function loadSessionKey(params: { secret?: string; dataDir: string }): Promise<Buffer> {
  if (params.secret) return Buffer.from(params.secret);
  const file = join(params.dataDir, "runs-session.key");
  const existing = await readFile(file, "utf8").catch(() => undefined);
  if (existing && existing.trim().length >= 32) return Buffer.from(existing.trim());
  await mkdir(params.dataDir, { recursive: true });
  const fresh = randomBytes(32).toString("base64url");
  // "wx": of two processes starting at once, one writes and the other reads what it wrote.
  const wrote = await writeFile(file, fresh, { mode: 0o600, flag: "wx" }).then(
    () => true,
    () => false,
  );
  return Buffer.from(wrote ? fresh : (await readFile(file, "utf8")).trim());
}
