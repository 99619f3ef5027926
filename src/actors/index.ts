import { setup } from "rivetkit";
import type { StepDeps } from "../steps/index.js";
import { createFixRunActor } from "./fix-run.js";

/** The registry: every actor fixbot runs. Dependencies are passed in, so tests and the CLI build their own. */
export function createRegistry(deps: StepDeps) {
  return setup({ use: { fixRun: createFixRunActor(deps) }, noWelcome: true });
}

export type FixbotRegistry = ReturnType<typeof createRegistry>;

/** Actor key of the run for an issue (or pull request: they share GitHub's number space). */
export function fixRunKey(repoFullName: string, number: number | string): string[] {
  return [repoFullName.toLowerCase(), String(number)];
}
