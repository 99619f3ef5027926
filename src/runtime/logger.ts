import { getTransformStream } from "@probot/pino";
import pino, { type Logger } from "pino";

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
  return pino({ level: env.LOG_LEVEL || "info", name: "fixbot", messageKey: env.LOG_MESSAGE_KEY || "msg" }, transform);
}
