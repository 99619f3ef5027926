import { createClient, type Client } from "rivetkit/client";
import { createRegistry, type FixbotRegistry } from "../actors/index.js";
import type { StepDeps } from "../steps/index.js";
import { configureEngine, engineIsHealthy, stopEmbeddedEngine, type EngineSettings } from "./engine.js";

export interface Runtime {
  registry: FixbotRegistry;
  client: Client<FixbotRegistry>;
  engine: EngineSettings;
  /** Stops the registry; also stops the embedded engine when this process started it and `stopEngine` is set. */
  stop(options?: { stopEngine?: boolean }): Promise<void>;
}

/** Starts the registry (and the embedded engine unless RIVET_ENDPOINT points elsewhere) and a client for it. */
export async function startRuntime(deps: StepDeps): Promise<Runtime> {
  const engine = await configureEngine({ dataDir: deps.dataDir });
  const engineWasUp = await engineIsHealthy(engine.endpoint);
  const registry = createRegistry(deps);
  await registry.startAndWait();
  const client = createClient<FixbotRegistry>(engine.endpoint);
  let stopped = false;
  return {
    registry,
    client,
    engine,
    async stop(options) {
      if (stopped) return;
      stopped = true;
      await client.dispose().catch(() => undefined);
      await registry.shutdown().catch(() => undefined);
      if (options?.stopEngine && engine.embedded && !engineWasUp && engine.storagePath) await stopEmbeddedEngine(engine.storagePath);
    },
  };
}
