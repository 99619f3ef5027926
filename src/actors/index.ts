import { setup } from "rivetkit";
import type { StepDeps } from "../steps/index.js";
import type { FixJob } from "../workflow/types.js";
import { createCommandsActor } from "./commands.js";
import { createFixRunActor } from "./fix-run.js";
import { createPrReviewActor } from "./pr-review.js";
import { createSpendActor } from "./spend.js";

/** The registry: every actor fixbot runs. Dependencies are passed in, so tests and the CLI build their own. */
export function createRegistry(deps: StepDeps) {
  return setup({
    use: { fixRun: createFixRunActor(deps), prReview: createPrReviewActor(deps), commands: createCommandsActor(deps), spend: createSpendActor() },
    noWelcome: true,
    // The entry points own SIGTERM/SIGINT (server.ts stops webhooks, inbox, registry, then the engine); RivetKit's
    // own handlers would re-raise the signal once the registry drained, killing the process mid-way.
    shutdown: { disableSignalHandlers: true },
  });
}

export type FixbotRegistry = ReturnType<typeof createRegistry>;

/**
 * Actor key of a job's run: one actor per (owner/repo, issue or PR number) on GitHub (they share the number
 * space), one per (repository, branch) for local runs.
 */
export function runKey(job: Pick<FixJob, "source" | "repo" | "issue" | "branch">): string[] {
  if (job.source === "local") return ["local", job.repo.name, job.branch];
  return [`${job.repo.owner}/${job.repo.name}`.toLowerCase(), String(job.issue.number)];
}
