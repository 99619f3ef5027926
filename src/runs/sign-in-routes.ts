import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { redirect, sendHtml } from "./http-reply.js";
import { renderMessagePage } from "./page-html.js";
import { publicBaseUrl, safeReturnTo } from "./page-request.js";
import {
  cookieHeader,
  MAX_COOKIE_VALUE,
  parseCookies,
  sealSession,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  signValue,
  unsignValue,
} from "./session.js";
import { authorizeUrl, exchangeCode, type OAuthApp, signedInPerson } from "./sign-in.js";

export const STATE_COOKIE = "fixbot_runs_state";
const STATE_TTL_SECONDS = 600;

export interface SignInContext {
  /** Unset: GITHUB_CLIENT_ID / GITHUB_CLIENT_SECRET are missing and sign-in is refused. */
  app?: OAuthApp;
  key: Buffer;
  publicUrl?: string;
  now: () => number;
  fetch?: typeof fetch;
  log?: Logger;
}

const NOT_CONFIGURED =
  "Sign-in is not configured: set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (the App's OAuth credentials), or send Authorization: Bearer <FIXBOT_RUNS_TOKEN>.";

function callbackUrl(req: IncomingMessage, ctx: SignInContext): string {
  return `${publicBaseUrl(req, ctx.publicUrl)}/runs/auth/callback`;
}

const secure = (req: IncomingMessage, ctx: SignInContext) => publicBaseUrl(req, ctx.publicUrl).startsWith("https:");

/** A browser without a session: off to GitHub, with a state bound to this browser by a signed cookie. */
export function startSignIn(req: IncomingMessage, res: ServerResponse, ctx: SignInContext): true {
  if (!ctx.app) return sendHtml(res, 503, renderMessagePage("Sign-in is not configured", NOT_CONFIGURED));
  const state = randomBytes(18).toString("base64url");
  const returnTo = Buffer.from(safeReturnTo(req.url)).toString("base64url");
  const cookie = cookieHeader(STATE_COOKIE, signValue(`${state}~${returnTo}`, ctx.key), {
    maxAgeSeconds: STATE_TTL_SECONDS,
    secure: secure(req, ctx),
  });
  return redirect(res, authorizeUrl(ctx.app, { state, redirectUri: callbackUrl(req, ctx) }), { "set-cookie": cookie });
}

/** The state cookie's state and return path, when its signature holds. Pure. */
export function readStateCookie(header: string | undefined, key: Buffer): { state: string; returnTo: string } | undefined {
  const value = unsignValue(parseCookies(header).get(STATE_COOKIE), key);
  const [state, returnTo] = (value ?? "").split("~");
  if (!state || returnTo === undefined) return undefined;
  return { state, returnTo: safeReturnTo(Buffer.from(returnTo, "base64url").toString()) };
}

function refuse(res: ServerResponse, status: number, title: string, text: string): true {
  return sendHtml(res, status, renderMessagePage(title, text), {
    "set-cookie": `${STATE_COOKIE}=; Path=/runs; HttpOnly; SameSite=Lax; Max-Age=0`,
  });
}

/**
 * `/runs/auth/callback?code&state`: checks the state against this browser's cookie (CSRF), trades the code for
 * the person's token, reads their login and writable repositories, and sets the session. The token is used
 * here only: it is neither stored nor logged.
 */
export async function handleCallback(req: IncomingMessage, res: ServerResponse, ctx: SignInContext): Promise<true> {
  if (!ctx.app) return sendHtml(res, 503, renderMessagePage("Sign-in is not configured", NOT_CONFIGURED));
  const query = new URLSearchParams((req.url ?? "").split("?")[1] ?? "");
  const expected = readStateCookie(req.headers.cookie, ctx.key);
  if (!expected || query.get("state") !== expected.state) {
    return refuse(res, 403, "Sign-in refused", "The sign-in's state does not match this browser's: start again at /runs.");
  }
  const code = query.get("code");
  if (!code) return refuse(res, 403, "Sign-in refused", `GitHub did not sign you in (${query.get("error") ?? "no code"}).`);
  let person: { login: string; repos: string[] };
  try {
    const token = await exchangeCode(ctx.app, { code, redirectUri: callbackUrl(req, ctx), fetch: ctx.fetch });
    person = await signedInPerson(ctx.app, { token, fetch: ctx.fetch });
  } catch (error) {
    ctx.log?.warn({ reason: error instanceof Error ? error.message : String(error) }, "runs page: sign-in failed");
    return refuse(res, 502, "Sign-in failed", "GitHub's answer could not be used: try again.");
  }
  const sealed = sealSession({ ...person, expiresAt: ctx.now() + SESSION_TTL_MS }, ctx.key);
  if (sealed.length > MAX_COOKIE_VALUE) {
    return refuse(res, 500, "Sign-in failed", `You may write ${person.repos.length} repositories: too many for a session cookie.`);
  }
  ctx.log?.info({ login: person.login, repos: person.repos.length }, "runs page: signed in");
  const cookies = [
    cookieHeader(SESSION_COOKIE, sealed, { maxAgeSeconds: SESSION_TTL_MS / 1000, secure: secure(req, ctx) }),
    `${STATE_COOKIE}=; Path=/runs; HttpOnly; SameSite=Lax; Max-Age=0`,
  ];
  return redirect(res, expected.returnTo, { "set-cookie": cookies });
}

/** `/runs/sign-out`: drops the session cookie. */
export function signOut(res: ServerResponse): true {
  return sendHtml(res, 200, renderMessagePage("Signed out", "You are signed out of fixbot's runs page."), {
    "set-cookie": `${SESSION_COOKIE}=; Path=/runs; HttpOnly; SameSite=Lax; Max-Age=0`,
  });
}
