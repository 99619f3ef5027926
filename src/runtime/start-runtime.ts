import { createClient, type Client } from "rivetkit/client";
import { createRegistry, type FixbotRegistry } from "../actors/index.js";
import type { StepDeps } from "../steps/index.js";
import { actorSpendLedger } from "../spend/ledger.js";
import { runsIndexWriter } from "../runs/index-client.js";
import { configureEngine, engineIsHealthy, stopEmbeddedEngine, type EngineSettings } from "./engine.js";

export interface Runtime {
  registry: FixbotRegistry;
  client: Client<FixbotRegistry>;
  engine: EngineSettings;
  /**
   * Stops the registry. `stopEngine: true` also stops the embedded engine if this process started it;
   * `"always"` stops it even if it was already running (the CLI's own engine, orphaned by a killed run).
   */
  stop(options?: { stopEngine?: boolean | "always" }): Promise<void>;
}

/** Starts the registry (and the embedded engine unless RIVET_ENDPOINT points elsewhere) and a client for it. */
export async function startRuntime(deps: StepDeps): Promise<Runtime> {
  const engine = await configureEngine({ dataDir: deps.dataDir });
  const engineWasUp = await engineIsHealthy(engine.endpoint);
  let client: Client<FixbotRegistry> | undefined;
  const spend = deps.spend && !deps.spend.ledger ? { ...deps.spend, ledger: actorSpendLedger(() => client!) } : deps.spend;
  const runsIndex = deps.runsIndex ?? runsIndexWriter(() => client!, deps.log);
  const registry = createRegistry({ ...deps, ...(spend ? { spend } : {}), runsIndex });
  await registry.startAndWait();
  client = createClient<FixbotRegistry>(engine.endpoint);
  let stopped = false;
  return {
    registry,
    client,
    engine,
    async stop(options) {
      if (stopped) return;
      stopped = true;
      await client!.dispose().catch(() => undefined);
      await registry.shutdown().catch(() => undefined);
      const stopIt = options?.stopEngine === "always" || (options?.stopEngine === true && !engineWasUp);
      if (stopIt && engine.embedded && engine.storagePath) await stopEmbeddedEngine(engine.storagePath);
    },
  };
}
