import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createSandbox, type Sandbox } from "../../src/sandbox/sandbox.js";
import { readSandboxSettings, type SandboxSettings } from "../../src/sandbox/settings.js";

/** The repository's fixtures (agent scripts), which tests name by absolute path in their configs. */
export const FIXTURES_DIR = fileURLToPath(new URL("../../fixtures", import.meta.url));

/** The operator settings tests run with: the defaults, plus the fixtures visible read-only inside the sandbox. */
export function testSandboxSettings(overrides: Partial<SandboxSettings> = {}): SandboxSettings {
  const settings = readSandboxSettings({});
  return { ...settings, roPaths: [FIXTURES_DIR], ...overrides };
}

/** The real sandbox, as the bot makes it, for in-process tests. */
export function testSandbox(dataDir: string, overrides: Partial<SandboxSettings> = {}): Sandbox {
  return createSandbox({ settings: testSandboxSettings(overrides), dataDir: join(dataDir) });
}
