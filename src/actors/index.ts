import { setup } from "rivetkit";
import type { StepDeps } from "../steps/index.js";
import { createCommandsActor } from "./commands.js";
import { createFixRunActor } from "./fix-run.js";
import { createPrReviewActor } from "./pr-review.js";
import { createRunsCatalogActor, createRunsIndexActor } from "./runs-index.js";
import { createSpendActor } from "./spend.js";

/** The registry: every actor fixbot runs. Dependencies are passed in, so tests and the CLI build their own. */
export function createRegistry(deps: StepDeps) {
  return setup({
    use: {
      fixRun: createFixRunActor(deps),
      prReview: createPrReviewActor(deps),
      commands: createCommandsActor(deps),
      spend: createSpendActor(),
      runsIndex: createRunsIndexActor(),
      runsCatalog: createRunsCatalogActor(),
    },
    noWelcome: true,
    // The entry points own SIGTERM/SIGINT (server.ts stops webhooks, inbox, registry, then the engine); RivetKit's
    // own handlers would re-raise the signal once the registry drained, killing the process mid-way.
    shutdown: { disableSignalHandlers: true },
  });
}

export type FixbotRegistry = ReturnType<typeof createRegistry>;
