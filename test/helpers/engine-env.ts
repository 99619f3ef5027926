/**
 * Isolates the embedded Rivet Engine of one test file: its own port block (the engine uses P, P+1 and P+10,
 * and reuses an engine already on P, so every file picks a random block) and quiet native logs. Storage goes
 * under the test's data directory (see src/runtime/engine.ts).
 */
export function isolateEngineEnv(env: NodeJS.ProcessEnv = process.env): number {
  const port = 20_000 + 16 * Math.floor(Math.random() * 750); // P+10 < 32768: below the kernel's ephemeral ports
  env.RIVET_RUN_ENGINE_PORT = String(port);
  env.RIVET_RUN_SERVICES = "0";
  env.RIVET_LOG_LEVEL = "silent";
  env.RUST_LOG = "off";
  delete env.RIVET_ENDPOINT;
  delete env.RIVETKIT_STORAGE_PATH;
  // Set by an earlier configureEngine in this process (src/runtime/engine.ts): let the next one set them afresh.
  for (const key of Object.keys(env))
    if (key === "RIVET_ENGINE_BINARY" || key.startsWith("FIXBOT_ENGINE_SET_") || key === "FIXBOT_ENGINE_REAL_BINARY") delete env[key];
  return port;
}
