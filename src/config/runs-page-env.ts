import { z } from "zod";

/** The runs page's sign-in (src/runs/sign-in.ts, src/runs/session.ts) and its machine token. */
export const RunsPageEnvSchema = z.object({
  /** The App's OAuth client id (Probot's manifest flow writes it to .env). Without it and the secret, sign-in is refused. */
  GITHUB_CLIENT_ID: z.string().min(1).optional(),
  /** The App's OAuth client secret. */
  GITHUB_CLIENT_SECRET: z.string().min(1).optional(),
  /** HMAC key of the runs page's session cookie; unset: a random key kept in FIXBOT_DATA_DIR/runs-session.key (0600). */
  FIXBOT_SESSION_SECRET: z.string().min(32, "must be at least 32 characters (a random secret)").optional(),
  /** GitHub's web address for sign-in; default https://github.com, or the GHE_HOST's. */
  FIXBOT_GITHUB_WEB_URL: z.string().url("must be a URL such as https://github.com").optional(),
  /** The bot's public address (for the OAuth callback); unset: taken from the request's Host header. */
  FIXBOT_PUBLIC_URL: z.string().url("must be a URL such as https://fixbot.example.com").optional(),
  /** Bearer token with which machines read the runs (the page's JSON and the API) without signing in. */
  FIXBOT_RUNS_TOKEN: z.string().min(16, "must be at least 16 characters (a random secret)").optional(),
});

export type RunsPageEnv = z.infer<typeof RunsPageEnvSchema>;

/** GitHub's web address: FIXBOT_GITHUB_WEB_URL, the GHES host, or github.com. Pure. */
export function githubWebUrl(env: Pick<RunsPageEnv, "FIXBOT_GITHUB_WEB_URL"> & { GHE_HOST?: string; GHE_PROTOCOL?: string }): string {
  if (env.FIXBOT_GITHUB_WEB_URL) return env.FIXBOT_GITHUB_WEB_URL.replace(/\/+$/, "");
  return env.GHE_HOST ? `${env.GHE_PROTOCOL ?? "https"}://${env.GHE_HOST}` : "https://github.com";
}
