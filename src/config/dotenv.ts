import { existsSync } from "node:fs";

/**
 * Loads `.env` from `dir` into `process.env` when it exists; variables already set in the environment win (the
 * usual convention: `PORT=8080 npm start` overrides `PORT=3000` in .env). Probot's setup flow writes a new
 * App's credentials (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET) there, and Probot 14 does not read the file back at
 * start, so without this a restart after the setup flow would land in the setup flow again.
 */
export function loadDotEnv(dir: string): boolean {
  const path = `${dir}/.env`;
  if (!existsSync(path)) return false;
  process.loadEnvFile(path);
  return true;
}

/**
 * Runs `fn` (Probot's `run()`) so that the environment still wins over `.env`: `run()` copies `.env` over
 * `process.env` before reading it. `fn` gets a snapshot of the environment as it was (pass it to `run()` as
 * its `env`), and afterwards every variable is put back as it was.
 */
export async function keepingEnvironment<T>(fn: (env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  const before: NodeJS.ProcessEnv = { ...process.env };
  try {
    return await fn({ ...before });
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in before)) delete process.env[key];
    for (const [key, value] of Object.entries(before)) if (process.env[key] !== value) process.env[key] = value;
  }
}
