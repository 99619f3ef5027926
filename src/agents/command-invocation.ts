/**
 * What one call of a command agent hands the command (pure): the invocation an edit or a review becomes, and the
 * files and FIXBOT_* variables that carry it. See command.ts for the contract and how it runs.
 */
import { join } from "node:path";
import type { EditTask, ReviewTask } from "./types.js";
import type { UsageBudget } from "./usage.js";

export interface Invocation {
  mode: "edit" | "review";
  workspace: string;
  /** Text on stdin and in FIXBOT_TASK_FILE. */
  input: string;
  /** One self-contained prompt for CLI agents (FIXBOT_PROMPT_FILE): the input plus feedback or diff. */
  prompt: string;
  /** Further files to write, by env var name. */
  files: Record<string, { name: string; content: string }>;
  extraEnv: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  budget?: UsageBudget;
}

/** An edit: the task, and on a retry the feedback from the failed attempt (in the prompt and in its own file). */
export function editInvocation(task: EditTask): Invocation {
  return {
    mode: "edit",
    workspace: task.workspace,
    input: task.task,
    prompt:
      task.feedback === undefined ? task.task : `${task.task}\n\n## Your previous attempt did not make the tests pass\n\n${task.feedback}`,
    files: task.feedback === undefined ? {} : { FIXBOT_FEEDBACK_FILE: { name: "feedback.txt", content: task.feedback } },
    extraEnv: { FIXBOT_ATTEMPT: String(task.attempt) },
    timeoutMs: task.timeoutMs,
    signal: task.signal,
    budget: task.budget,
  };
}

/** A review: the context, and the diff (in the prompt and in its own file). */
export function reviewInvocation(task: ReviewTask): Invocation {
  return {
    mode: "review",
    workspace: task.workspace,
    input: task.context,
    prompt: `${task.context}\n\n## The diff\n\n\`\`\`diff\n${task.diff}\n\`\`\``,
    files: { FIXBOT_DIFF_FILE: { name: "diff.patch", content: task.diff } },
    extraEnv: {},
    timeoutMs: task.timeoutMs,
    signal: task.signal,
  };
}

/**
 * The files to write into the invocation's directory, and the variables the command gets: FIXBOT_MODE,
 * FIXBOT_WORKSPACE and the paths of its files, all as the command sees them (`seen`, inside the sandbox).
 */
export function invocationFiles(
  inv: Pick<Invocation, "mode" | "input" | "prompt" | "files" | "extraEnv">,
  seen: { workspace: string; files: string },
): { files: Array<{ name: string; content: string }>; env: Record<string, string> } {
  const env: Record<string, string> = {
    ...inv.extraEnv,
    FIXBOT_MODE: inv.mode,
    FIXBOT_TASK_FILE: join(seen.files, "task.md"),
    FIXBOT_WORKSPACE: seen.workspace,
    FIXBOT_USAGE_FILE: join(seen.files, "usage.json"),
    FIXBOT_PROMPT_FILE: join(seen.files, "prompt.md"),
  };
  const files = [
    { name: "task.md", content: inv.input },
    { name: "prompt.md", content: inv.prompt },
  ];
  for (const [name, file] of Object.entries(inv.files)) {
    files.push(file);
    env[name] = join(seen.files, file.name);
  }
  return { files, env };
}
