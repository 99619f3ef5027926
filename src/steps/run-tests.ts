import type { RepoConfig } from "../config/repo.schema.js";
import { buildAgentEnv } from "../exec/agent-env.js";
import type { FixJob, TestSummary } from "../workflow/types.js";
import type { StepDeps } from "./deps.js";
import { prepareWorkspace } from "./prepare-workspace.js";
import { groupFile, sandboxKey } from "./workspace-path.js";

/** Lines of test output kept for the comment and the next attempt's feedback. */
export const TEST_OUTPUT_TAIL_BYTES = 6 * 1024;

/**
 * Runs the repo's setup and test commands in the run's sandbox, on base + patch, with a timeout that kills
 * everything the command started, output capped to its tail and secrets redacted. The environment is the same
 * allowlist the agent gets: no token. The sandbox's notes (a limit reached, egress refused) end the output tail.
 */
export async function runTests(
  deps: StepDeps,
  params: { job: FixJob; config: RepoConfig; baseSha: string; patch: string; testCommand: string; signal?: AbortSignal },
): Promise<TestSummary> {
  const { job, config } = params;
  const groups = groupFile(deps.dataDir, job, "tests");
  const { dir } = await prepareWorkspace(deps, {
    job,
    baseSha: params.baseSha,
    patch: params.patch,
    timeoutMs: config.timeouts.clone * 1000,
    groupFile: groups,
  });
  const started = deps.now();
  const command = config.setupCommand ? `${config.setupCommand} && ${params.testCommand}` : params.testCommand;
  const result = await deps.sandbox.run({
    role: "tests",
    command,
    workspace: dir,
    key: sandboxKey(job),
    network: config.sandbox,
    env: buildAgentEnv({ extra: { CI: "true" } }),
    timeoutMs: config.timeouts.tests * 1000,
    signal: params.signal,
    maxOutputBytes: TEST_OUTPUT_TAIL_BYTES,
    groupFile: groups,
    secrets: deps.secrets,
  });
  return {
    passed: result.exitCode === 0 && !result.timedOut && !result.aborted && !result.limit,
    command: params.testCommand,
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    outputTail: result.output,
    durationMs: deps.now() - started,
  };
}
