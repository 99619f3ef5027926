import type { Logger } from "pino";

/**
 * Process-level handlers: a promise rejected with nobody listening, or an exception nothing caught, is logged
 * with its context instead of killing the process silently. pino's error serializer prints the error's message,
 * type and stack, and fixbot's errors never carry tokens (secrets are redacted where output is captured).
 * An unhandled rejection is logged and the process goes on (the durable workflows and the inbox retry their own
 * work); an uncaught exception leaves the process in an unknown state, so it is logged and the process exits
 * with code 1 for the supervisor to restart it (in-flight steps resume on the next start).
 */
export function watchUnexpectedErrors(log: Logger, exit: (code: number) => void = (code) => process.exit(code)): void {
  process.on("unhandledRejection", (reason: unknown) => {
    log.error({ err: reason, kind: "unhandledRejection" }, "a promise was rejected and nothing handled it");
  });
  process.on("uncaughtException", (error: Error, origin: string) => {
    log.fatal(
      { err: error, kind: "uncaughtException", origin },
      "an exception was not caught: stopping (the next start resumes in-flight steps)",
    );
    log.flush?.();
    exit(1);
  });
}
