import type { Usage } from "../agents/usage.js";
import { selectAgent } from "../agents/selection.js";
import type { RepoConfig } from "../config/repo.schema.js";
import { buildReviewContext } from "../workflow/task-text.js";
import type { FixJob, TestSummary } from "../workflow/types.js";
import { agentInWorkspace } from "./agent-workspace.js";
import type { StepDeps } from "./deps.js";

/** The longest review fixbot publishes; GitHub's comment limit is 65,536 characters. */
const MAX_REVIEW_CHARS = 60_000;

/**
 * A second agent session reviews the change. It is chained on the first agent's recorded result (its summary,
 * the attempts and the test outcome are its input), and sees the diff and the changed working tree.
 */
export async function reviewChange(
  deps: StepDeps,
  params: {
    job: FixJob;
    config: RepoConfig;
    baseSha: string;
    patch: string;
    agentSummary: string;
    attempts: number;
    tests: TestSummary;
    signal?: AbortSignal;
  },
): Promise<{ review: string; exitCode: number; timedOut: boolean; usage?: Usage }> {
  const { job, config } = params;
  const selected = selectAgent(config.review, "review");
  if (!selected) throw new Error("review-change ran without a review agent");
  const { agent, dir } = await agentInWorkspace(deps, {
    job,
    role: "review",
    agent: selected,
    baseSha: params.baseSha,
    patch: params.patch,
    cloneTimeoutMs: config.timeouts.clone * 1000,
    network: config.sandbox,
  });
  const context = buildReviewContext({
    repo: `${job.repo.owner}/${job.repo.name}`,
    issue: job.issue,
    agentSummary: params.agentSummary,
    attempts: params.attempts,
    tests: params.tests,
  });
  const result = await agent.review({
    workspace: dir,
    diff: params.patch,
    context,
    timeoutMs: config.timeouts.review * 1000,
    signal: params.signal,
  });
  const text = result.body.trim();
  const usage = result.usage ? { usage: result.usage } : {};
  if (result.timedOut)
    return {
      review: `_The review agent timed out after ${config.timeouts.review} s._${text ? `\n\n${text}` : ""}`.slice(0, MAX_REVIEW_CHARS),
      exitCode: result.exitCode,
      timedOut: true,
      ...usage,
    };
  if (!text) throw new Error(`the review agent printed nothing (exit ${result.exitCode})`);
  return { review: text.slice(0, MAX_REVIEW_CHARS), exitCode: result.exitCode, timedOut: false, ...usage };
}
