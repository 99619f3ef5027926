import type { RepoConfig } from "../config/repo.schema.js";
import { buildAgentEnv } from "../exec/agent-env.js";
import { runProcess } from "../exec/run-process.js";
import { prepareWorkspace } from "../git/workspace.js";
import { killLeftoverGroup } from "../exec/leftover-group.js";
import type { FixJob, TestSummary } from "../workflow/types.js";
import type { StepDeps } from "./deps.js";
import { gitAccessFor } from "./git-access.js";
import { groupFile, workspaceDir } from "./workspace-path.js";

/** Lines of test output kept for the comment and the next attempt's feedback. */
export const TEST_OUTPUT_TAIL_BYTES = 6 * 1024;

/**
 * Runs the repo's tests on the host, on base + patch, with a timeout that kills the process group, output
 * capped to its tail and secrets redacted. The environment is the same allowlist the agent gets: no token.
 */
export async function runTests(
  deps: StepDeps,
  params: { job: FixJob; config: RepoConfig; baseSha: string; patch: string; testCommand: string; signal?: AbortSignal },
): Promise<TestSummary> {
  const { job, config } = params;
  const dir = workspaceDir(deps.dataDir, job);
  const access = await gitAccessFor(deps, job, config.timeouts.clone * 1000);
  const groups = groupFile(deps.dataDir, job, "tests");
  await killLeftoverGroup(groups);
  await prepareWorkspace({ ...access, dir, branch: job.repo.defaultBranch, baseSha: params.baseSha, patch: params.patch });
  const secrets = [...deps.secrets, ...(access.token ? [access.token] : [])];
  const env = buildAgentEnv({ extra: { CI: "true" } });
  const timeoutMs = config.timeouts.tests * 1000;
  const started = deps.now();
  const command = config.setupCommand ? `${config.setupCommand} && ${params.testCommand}` : params.testCommand;
  const result = await runProcess({
    command,
    cwd: dir,
    env,
    timeoutMs,
    signal: params.signal,
    maxOutputBytes: TEST_OUTPUT_TAIL_BYTES,
    groupFile: groups,
    secrets,
  });
  return {
    passed: result.exitCode === 0 && !result.timedOut && !result.aborted,
    command: params.testCommand,
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    outputTail: result.output,
    durationMs: deps.now() - started,
  };
}
