/**
 * The baseline server of bench/webhook-ack.ts: a plain Probot server, started the same way as fixbot (a node
 * child process with the tsx loader, Probot's `Server`, the same logger settings from the environment), loaded
 * with an app whose `issues.labeled` handler does nothing. It verifies signatures exactly as fixbot does and
 * answers once the handler has returned: no inbox, no engine.
 *
 * With PLAIN_INBOX_DIR set it is a diagnostic instead: the handler does what fixbot's does (job, durable inbox,
 * log line), but nothing is behind the inbox (no engine, no actors).
 *
 * Environment: PORT, APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, PLAIN_INBOX_DIR (optional); LOG_LEVEL and LOG_FORMAT as for fixbot (Probot's own
 * logger, built as `run()` builds it; `@probot/pino` comes with probot).
 * Not a bench itself: bench/webhook-ack.ts starts it with `node --import tsx bench/plain-probot-server.ts`.
 */
import { getTransformStream } from "@probot/pino";
import pino from "pino";
import { Probot, Server } from "probot";
import { Inbox } from "../src/inbox/inbox.js";
import { jobFromLabeledIssue } from "../src/webhooks/to-job.js";

/** Probot's own logger as `run()` builds it from LOG_LEVEL and LOG_FORMAT (fixbot's path); `new Server()` alone would pretty-print. */
async function probotLog() {
  const transform = await getTransformStream({ logFormat: process.env.LOG_FORMAT === "json" ? "json" : "pretty" });
  transform.pipe(pino.destination(1) as unknown as NodeJS.WritableStream);
  return pino({ level: process.env.LOG_LEVEL ?? "info", name: "probot", messageKey: "msg" }, transform);
}

async function main(): Promise<void> {
  const { PORT, APP_ID, PRIVATE_KEY, WEBHOOK_SECRET } = process.env;
  if (!PORT || !APP_ID || !PRIVATE_KEY || !WEBHOOK_SECRET) throw new Error("PORT, APP_ID, PRIVATE_KEY and WEBHOOK_SECRET are required");
  const server = new Server({
    Probot: Probot.defaults({ appId: APP_ID, privateKey: PRIVATE_KEY, secret: WEBHOOK_SECRET }),
    port: Number(PORT),
    host: "127.0.0.1",
    log: await probotLog(),
  });
  // Diagnostic variant (PLAIN_INBOX_DIR set): the handler records each delivery in fixbot's own durable inbox
  // (src/inbox/inbox.ts: written and fsync'd before the answer), and the hand-over succeeds at once (the file is
  // removed), with no engine and no actor behind it: the inbox's own cost, without the background work.
  const inboxDir = process.env.PLAIN_INBOX_DIR;
  let inbox: Inbox | undefined;
  if (inboxDir) {
    const sync = process.env.FIXBOT_INBOX_SYNC === "none" ? "none" : "fsync";
    inbox = new Inbox({ dir: inboxDir, deliver: async () => {}, log: pino({ level: "silent" }), sync });
    await inbox.open();
  }
  await server.load((app: Probot) => {
    app.on("issues.labeled", async (context) => {
      if (!inbox) return;
      // What fixbot's handler does (src/app.ts): build the job, record it in the inbox, log it.
      const decision = jobFromLabeledIssue(context.payload, context.id, Date.now());
      if (!decision.ok) return;
      await inbox.accept({ id: context.id, kind: "fix", job: decision.job, acceptedAt: Date.now() });
      context.log.info({ deliveryId: context.id, runId: decision.job.runId, issue: decision.job.issue.number }, "fix job enqueued");
    });
  });
  await server.start();
  const stop = () => void server.stop().finally(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`plain-probot-server: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
