import { run } from "probot";
import { keepingEnvironment, loadDotEnv } from "./config/dotenv.js";
import { EnvError, hasAppCredentials, readEnv } from "./config/env.schema.js";
import { watchUnexpectedErrors } from "./http/unexpected-errors.js";
import { configureEngine, stopEmbeddedEngine } from "./runtime/engine.js";
import { createLogger } from "./runtime/logger.js";
import { runnersConnected } from "./runtime/runners.js";
import { replicaId, ReplicaIdError } from "./runtime/replica.js";
import { DirLockedError } from "./inbox/dir-lock.js";
import { startIntake } from "./roles/intake.js";
import { runWorkerProcess } from "./roles/worker-process.js";
import { superviseWorker } from "./roles/worker-supervisor.js";
import { tsxExecArgv } from "./roles/tsx-exec-argv.js";

// Process entry: read config, start this process's role (FIXBOT_ROLE, `fixbot serve` / `fixbot work`). No logic here.
export async function main(): Promise<void> {
  loadDotEnv(process.cwd());
  const env = readEnv(process.env);
  const log = await createLogger(process.env);
  if (!hasAppCredentials(env)) {
    // No App yet: Probot's setup flow creates one from app.yml and writes the credentials to .env.
    await keepingEnvironment((snapshot) => run(() => undefined, { env: snapshot, log }));
    return;
  }
  watchUnexpectedErrors(log);
  process.env.RIVET_LOG_LEVEL ??= "warn";
  if (env.FIXBOT_ROLE === "work") return runWorkerProcess({ env, log });
  replicaId(process.env); // a bad FIXBOT_REPLICA_ID stops start-up before anything runs
  // Before the worker starts: it sets the engine's variables the worker inherits.
  const engine = await configureEngine({ dataDir: env.FIXBOT_DATA_DIR });
  // The default role: the workflows in a worker process of their own (it starts the embedded engine), the
  // webhooks here, once the worker is ready.
  const worker =
    env.FIXBOT_ROLE === "all"
      ? superviseWorker({ entry: import.meta.filename, execArgv: tsxExecArgv(), env: process.env, log, nice: env.FIXBOT_WORKER_NICE })
      : undefined;
  await worker?.ready;
  const intake = await startIntake({
    env,
    log,
    engine,
    workerUp: worker ? async () => worker.up() : () => runnersConnected(engine.endpoint),
    workerMetrics: worker ? () => worker.metrics() : undefined,
  }).catch(async (error: unknown) => {
    await worker?.stop();
    throw error;
  });
  const stop = async (signal: string) => {
    log.info({ signal }, "stopping: no new webhooks; in-flight steps resume on the next start");
    await intake.stop();
    if (worker) {
      await worker.stop();
      // The embedded engine belongs to this data directory: it stops with the bot. Only a killed bot leaves it
      // running (the next start reuses it; its watchdog stops it if the directory is removed).
      if (engine.embedded && engine.storagePath) await stopEmbeddedEngine(engine.storagePath);
    }
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}

if (process.argv[1] === import.meta.filename) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `fixbot: ${error instanceof EnvError || error instanceof DirLockedError || error instanceof ReplicaIdError ? error.message : error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  });
}
