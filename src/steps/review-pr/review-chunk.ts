import { mkdir, rm } from "node:fs/promises";
import { killLeftoverGroup } from "../../exec/leftover-group.js";
import { exportTree } from "../../git/clean-repo.js";
import { parseDiff, type DiffFile } from "../../diff/diff.js";
import { parseReviewOutput, placeFindings } from "../../github/review-findings.js";
import { buildPrReviewContext } from "../../workflow/review-pr/review-text.js";
import type { ChunkReview, PrReviewJob, ReviewRange, ReviewSettings } from "../../workflow/review-pr/types.js";
import type { StepDeps } from "../deps.js";
import { scratchDir } from "../workspace-path.js";
import { prAgentCwd, prGroupFile, prSandboxKey, prWorkspaceDir, readRangeDiff } from "./pr-workspace.js";

/**
 * One budgeted part of the diff, reviewed by the review agent. Its stdout becomes a summary and findings, and
 * the findings are split up front into those GitHub can show inline and the rest (one misplaced inline comment
 * makes GitHub reject the whole review).
 *
 * Where the agent runs: for a fork, an empty scratch directory: it gets the diff and the context only, no
 * checkout, so nothing the fork wrote can be run by it or by anything it starts. For a branch of the repository
 * itself, a checkout of the head (the same trust as the fix workflow's agent), so it can read the code around
 * the change (plain files, no `.git`), in the PR's sandbox. Either way the GitHub token never reaches it;
 * it does get its own API key (`review.passEnv`), and the diff and PR text it reads are untrusted input.
 */
export async function reviewChunk(
  deps: StepDeps,
  params: {
    job: PrReviewJob;
    settings: ReviewSettings;
    range: ReviewRange;
    paths: string[];
    chunk: number;
    chunks: number;
    signal?: AbortSignal;
  },
): Promise<ChunkReview> {
  const { job, settings, range } = params;
  const { diff, gitDir, token } = await readRangeDiff(deps, job, range, settings.cloneTimeoutMs);
  const files = parseDiff(diff);
  const byPath = new Map(files.map((f) => [f.path, f]));
  const part = params.paths.map((p) => byPath.get(p)).filter((f): f is DiffFile => f !== undefined);
  if (part.length !== params.paths.length)
    throw new Error(`chunk ${params.chunk} names files that are not in the diff of ${range.from.slice(0, 7)}..${range.to.slice(0, 7)}`);

  const groups = prGroupFile(deps.dataDir, job);
  await killLeftoverGroup(groups);
  const cwd = job.pr.fork ? await emptyDir(prAgentCwd(deps.dataDir, job)) : prWorkspaceDir(deps.dataDir, job);
  if (!job.pr.fork) await exportTree({ gitDir, sha: range.to, dir: cwd, timeoutMs: settings.cloneTimeoutMs });

  const agent = deps.createAgent({
    role: "review",
    agent: settings.agentos
      ? { backend: "agentos", ...settings.agentos }
      : { backend: "command", command: settings.reviewCommand, passEnv: settings.passEnv },
    scratchDir: scratchDir(deps.dataDir),
    groupFile: groups,
    secrets: [...deps.secrets, ...(token ? [token] : [])],
    sandboxKey: prSandboxKey(job),
    onOutput: (chunk) => deps.log.debug({ runId: job.runId, pr: job.pr.number, part: params.chunk, agent: chunk }, "review agent output"),
  });
  const context = buildPrReviewContext({ job, range, chunk: params.chunk, chunks: params.chunks, paths: params.paths });
  const result = await agent.review({
    workspace: cwd,
    diff: part.map((f) => f.patch).join(""),
    context,
    timeoutMs: settings.reviewTimeoutMs,
    signal: params.signal,
  });
  const text = result.body.trim();
  if (!text && !result.timedOut) throw new Error(`the review agent printed nothing (exit ${result.exitCode})`);

  const { summary, findings } = parseReviewOutput(text);
  const { inline, outside } = placeFindings(findings, files);
  const note = result.timedOut
    ? `_The review agent timed out after ${Math.round(settings.reviewTimeoutMs / 1000)} s on this part; what it printed is below._\n\n`
    : "";
  return {
    summary: `${note}${summary}`.trim(),
    inline,
    outside,
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    ...(result.usage ? { usage: result.usage } : {}),
  };
}

/** A fresh, empty directory: whatever an earlier run left there is gone. */
async function emptyDir(path: string): Promise<string> {
  await rm(path, { recursive: true, force: true });
  await mkdir(path, { recursive: true });
  return path;
}
