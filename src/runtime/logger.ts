import { getTransformStream } from "@probot/pino";
import pino, { type Logger, type LoggerOptions } from "pino";

/**
 * What never reaches a log line: the request headers that carry credentials (Probot's HTTP log writes every
 * request's headers: the runs page's session cookie, bearer tokens for /metrics and the runs API) and the
 * one-time code GitHub's sign-in hands back in the callback's query string.
 */
const REDACTED = "[redacted]";
const CREDENTIAL_PATHS = [
  "req.headers.cookie",
  "req.headers.authorization",
  'res.headers["set-cookie"]',
  'req.headers["x-hub-signature-256"]',
];
const ONE_TIME_CODE = /([?&](?:code|state)=)[^&\s"]+/g;

/** A string with any sign-in code or state in a query string replaced. Pure. */
export function withoutSignInCode(text: string): string {
  return text.replace(ONE_TIME_CODE, `$1${REDACTED}`);
}

/** pino's options for fixbot's logger: level, message key, the redaction above. Pure. */
export function loggerOptions(env: NodeJS.ProcessEnv): LoggerOptions {
  return {
    level: env.LOG_LEVEL || "info",
    name: "fixbot",
    messageKey: env.LOG_MESSAGE_KEY || "msg",
    redact: {
      paths: [...CREDENTIAL_PATHS, "req.url"],
      censor: (value, path) => (path.at(-1) === "url" && typeof value === "string" ? withoutSignInCode(value) : REDACTED),
    },
    hooks: {
      // Probot's HTTP log puts the URL in the message too ("GET /runs/auth/callback?code=… 302").
      logMethod(args, method) {
        method.apply(this, args.map((arg) => (typeof arg === "string" ? withoutSignInCode(arg) : arg)) as Parameters<typeof method>);
      },
    },
  };
}

/**
 * fixbot's one logger: Probot's (the same pino set-up as Probot's `getLog`), so LOG_LEVEL, LOG_FORMAT
 * ("pretty" or "json"; default json when NODE_ENV=production, else pretty), LOG_LEVEL_IN_STRING,
 * LOG_MESSAGE_KEY and SENTRY_DSN behave as Probot documents them. With SENTRY_DSN set, every line at level
 * error or fatal (webhook handler failures, failed workflow steps and runs) is also sent to Sentry.
 * It is handed to Probot too, so the webhook server and the workflows write one stream.
 */
export async function createLogger(env: NodeJS.ProcessEnv = process.env): Promise<Logger> {
  const logFormat = env.LOG_FORMAT ? (env.LOG_FORMAT === "pretty" ? "pretty" : "json") : env.NODE_ENV === "production" ? "json" : "pretty";
  const transform = await getTransformStream({
    logFormat,
    logLevelInString: env.LOG_LEVEL_IN_STRING === "true",
    sentryDsn: env.SENTRY_DSN || undefined,
  });
  transform.pipe(pino.destination(1) as unknown as NodeJS.WritableStream);
  return pino(loggerOptions(env), transform);
}
