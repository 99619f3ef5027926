import { existsSync } from "node:fs";

/**
 * Loads `.env` from `dir` into `process.env` when it exists; variables already set win. Probot's setup flow
 * writes a new App's credentials (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET) there, and Probot 14 does not read the
 * file back at start, so without this a restart after the setup flow would land in the setup flow again.
 */
export function loadDotEnv(dir: string): boolean {
  const path = `${dir}/.env`;
  if (!existsSync(path)) return false;
  process.loadEnvFile(path);
  return true;
}
