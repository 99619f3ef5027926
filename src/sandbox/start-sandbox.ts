import type { Logger } from "pino";
import { createSandbox, type Sandbox } from "./sandbox.js";
import { readSandboxSettings } from "./settings.js";

/**
 * The process's sandbox, from its environment, checked once at start. A sandbox that cannot start is logged as an
 * error saying how to fix it, and every run that needs it then fails with that message: fixbot keeps serving
 * (commands, status) but never runs repository code unsandboxed. FIXBOT_SANDBOX=off is the operator's explicit
 * choice, logged as a warning with what it exposes.
 */
export async function startSandbox(params: { env: NodeJS.ProcessEnv; dataDir: string; log: Logger }): Promise<Sandbox> {
  const settings = readSandboxSettings(params.env);
  const sandbox = createSandbox({ settings, dataDir: params.dataDir, log: params.log });
  if (!settings.enabled) {
    params.log.warn(
      "FIXBOT_SANDBOX=off: agents, setup and test commands run directly as fixbot's own user. They can read its private key, webhook secret and tokens (process environments, .env, the data directory), reach the engine and every local port, and read or change other repositories' workspaces. Use this only on a machine that cannot run bubblewrap, for repositories you trust.",
    );
    return sandbox;
  }
  try {
    await sandbox.check();
    params.log.info(
      { egress: settings.egress, memoryMb: settings.memoryMb, processes: settings.processes, diskMb: settings.diskMb },
      "sandbox ready",
    );
  } catch (error) {
    params.log.error({ err: error }, (error as Error).message);
  }
  return sandbox;
}
