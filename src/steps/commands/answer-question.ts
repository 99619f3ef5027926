import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { selectAgent, type AgentSelection } from "../../agents/selection.js";
import { AgentError } from "../../agents/types.js";
import type { Usage } from "../../agents/usage.js";
import { inertMarkdown } from "../../github/quote-text.js";
import { parseRepoConfig, type RepoConfig } from "../../config/repo.schema.js";
import { exportTree, fetchBranch } from "../../git/clean-repo.js";
import { diffRange, fetchPullHead, mergeBase } from "../../git/pull-request-diff.js";
import { orgConfigClient } from "../../github/org-config-client.js";
import { loadRepoConfigOrProblem } from "../../github/repo-config.js";
import { CONTENTS_READ, GITHUB_WRITES } from "../../github/octokit.js";
import { killLeftoverGroup } from "../../exec/leftover-group.js";
import { stepSlot, waitForStepSlot } from "../../limits/step-slot.js";
import type { CommandJob } from "../../webhooks/comment-to-command.js";
import { askTask } from "../../workflow/commands/ask-text.js";
import type { ReviewThread } from "../../workflow/threads/thread-text.js";
import type { StepDeps } from "../deps.js";
import { scratchDir } from "../workspace-path.js";
import { getPullRequest } from "./command-steps.js";

export type AskOutcome =
  { kind: "answered"; answer: string; timedOut: boolean; timeoutS: number; usage?: Usage } | { kind: "refused"; reason: string };

const safe = (part: string) => part.replace(/[^A-Za-z0-9._-]/g, "_");

/**
 * `/fixbot ask <question>`: the repository's review agent (read-only by role: its changes are never measured,
 * committed or pushed) runs in the issue's or PR's sandbox on a fresh copy of the code (the default branch for an
 * issue, the PR's head for a PR of this repository, nothing but the diff for a fork's) and its stdout is the answer.
 */
export async function answerQuestion(
  deps: StepDeps,
  job: CommandJob,
  question: string,
  signal?: AbortSignal,
  thread?: ReviewThread,
): Promise<AskOutcome> {
  if (!deps.github) throw new Error("slash commands need GitHub access");
  const settings = await askSettings(deps.github, job);
  if (!settings.ok) return { kind: "refused", reason: settings.reason };
  const { config, agent } = settings;

  const { token } = await deps.github.forInstallation(job.installationId, { repository: job.repo.name, permissions: CONTENTS_READ });
  const key = [job.repo.owner, job.repo.name, `ask-${job.number}`].map(safe);
  const dir = join(deps.dataDir, "workspaces", key[0]!, key[1]!, key[2]!);
  const { diff, fork, context } = await prepareCopy(deps, job, {
    token,
    dir,
    gitDir: join(deps.dataDir, "git", key[0]!, key[1]!, `${key[2]}.git`),
    timeoutMs: config.timeouts.clone * 1000,
  });
  const groups = join(deps.dataDir, "groups", `${key.join("__")}.ask.json`);
  await killLeftoverGroup(groups);
  const answering = deps.createAgent({
    role: "review",
    agent,
    scratchDir: scratchDir(deps.dataDir),
    groupFile: groups,
    secrets: [...deps.secrets, token],
    sandboxKey: `${job.repo.owner}/${job.repo.name}/${job.isPullRequest ? `pr-${job.number}` : `issue-${job.number}`}`,
    onOutput: (chunk) => deps.log.debug({ deliveryId: job.deliveryId, agent: chunk }, "ask agent output"),
  });
  const task = askTask({
    repo: `${job.repo.owner}/${job.repo.name}`,
    number: job.number,
    isPullRequest: job.isPullRequest,
    title: context.title,
    body: context.body,
    question,
    asker: job.sender,
    forkDiffOnly: fork,
    thread,
  });
  // Like every agent step, the answer waits for a run slot (FIXBOT_MAX_CONCURRENT_*).
  const slot = stepSlot(deps, job.repo, agent.backend === "agentos", `${job.repo.owner}/${job.repo.name} #${job.number} ask`);
  const release = await waitForStepSlot(slot, signal ?? new AbortController().signal);
  try {
    const result = await answering.review({ workspace: dir, diff, context: task, timeoutMs: config.timeouts.review * 1000, signal });
    if (!result.body.trim() && !result.timedOut)
      return { kind: "refused", reason: `The agent printed no answer (exit ${result.exitCode}).` };
    const usage = result.usage ? { usage: result.usage } : {};
    return { kind: "answered", answer: result.body, timedOut: result.timedOut, timeoutS: config.timeouts.review, ...usage };
  } catch (error) {
    // An agent that cannot run (bad command, provider error) is told to the asker; GitHub and git errors retry.
    if (error instanceof AgentError) return { kind: "refused", reason: `The agent could not answer: ${inertMarkdown(error.message)}` };
    throw error;
  } finally {
    release();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The repository's config and its review agent (which answers), or why `/fixbot ask` cannot run here. */
async function askSettings(
  github: NonNullable<StepDeps["github"]>,
  job: CommandJob,
): Promise<{ ok: true; config: RepoConfig; agent: AgentSelection } | { ok: false; reason: string }> {
  const { octokit } = await github.forInstallation(job.installationId, { repository: job.repo.name, permissions: GITHUB_WRITES });
  const loaded = await loadRepoConfigOrProblem(octokit, job.repo.owner, job.repo.name, orgConfigClient(github, job.installationId));
  const parsed = loaded.ok ? parseRepoConfig(stripPullRequests(loaded.raw)) : loaded;
  if (!parsed.ok) return { ok: false, reason: `\`.github/fixbot.yml\` is invalid:\n${parsed.problems.map((p) => `- ${p}`).join("\n")}` };
  const agent = selectAgent(parsed.config.review, "review");
  if (!agent)
    return {
      ok: false,
      reason:
        "`/fixbot ask` runs the review agent, and this repository configures none (`review.command`, `review.preset` or `review.backend` in `.github/fixbot.yml`).",
    };
  return { ok: true, config: parsed.config, agent };
}

/**
 * A fresh copy of the code to answer from, in `dir`: the default branch (issue), the PR's head (a PR of this
 * repository) or nothing (a fork's PR: the diff only); plus the PR's diff and its title and description.
 */
async function prepareCopy(deps: StepDeps, job: CommandJob, p: { token: string; dir: string; gitDir: string; timeoutMs: number }) {
  const { dir, gitDir, timeoutMs } = p;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const access = { url: job.repo.cloneUrl, token: p.token, timeoutMs };
  if (!job.isPullRequest) {
    const tip = await fetchBranch({ ...access, gitDir, branch: job.repo.defaultBranch });
    await exportTree({ gitDir, sha: tip, dir, timeoutMs });
    return { diff: "", fork: false, context: { title: job.issue.title, body: job.issue.body } };
  }
  const pr = await getPullRequest(deps, job);
  const baseTip = await fetchBranch({ ...access, gitDir, branch: pr.baseRef });
  const head = await fetchPullHead({ ...access, dir: gitDir, number: pr.number });
  const diff = await diffRange({
    dir: gitDir,
    from: await mergeBase({ dir: gitDir, a: baseTip, b: head, timeoutMs }),
    to: head,
    timeoutMs,
  });
  if (!pr.fork) await exportTree({ gitDir, sha: head, dir, timeoutMs });
  return { diff, fork: pr.fork, context: { title: pr.title, body: pr.body } };
}

/** The repo schema accepts `pullRequests` as is; a bad one must not stop an answer. */
function stripPullRequests(raw: unknown): unknown {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const { pullRequests: _ignored, ...rest } = raw as Record<string, unknown>;
  return rest;
}
