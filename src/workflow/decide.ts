import { totalTokens, type BudgetName, type Usage } from "../agents/usage.js";
import type { RepoConfig } from "../config/repo.schema.js";
import { retryHint } from "./run-errors.js";
import type { RunStatus, RunView } from "./types.js";

/** What happens after an agent attempt. Pure. */
export type AttemptVerdict =
  { kind: "test" } | { kind: "stop"; status: Extract<RunStatus, "no-change" | "error" | "tests-failing">; error?: RunView["error"] };

export function judgeAttempt(params: {
  source: "github" | "local";
  attempt: number;
  step: string;
  patch: string;
  previousPatch: string;
  exitCode: number;
  timedOut: boolean;
  timeoutSeconds: number;
  summary: string;
}): AttemptVerdict {
  const changedThisAttempt = params.patch !== params.previousPatch;
  if (changedThisAttempt && params.patch !== "") return { kind: "test" };
  if (params.timedOut) {
    return {
      kind: "stop",
      status: "error",
      error: {
        step: params.step,
        message: `The agent ran out of time (${params.timeoutSeconds} s) without changing anything.`,
        hint: `Raise \`timeouts.agent\` in .github/fixbot.yml (or --agent-timeout) or narrow the issue, then ${retryHint(params.source)}.`,
      },
    };
  }
  if (params.exitCode !== 0) {
    const tail = params.summary.trim().split("\n").slice(-5).join(" / ").slice(0, 500);
    return {
      kind: "stop",
      status: "error",
      error: {
        step: params.step,
        message: `The agent exited with code ${params.exitCode} without changing anything.${tail ? ` Its last output: ${tail}` : ""}`,
        hint: `Check \`agent.command\` in .github/fixbot.yml (or --agent-command) and the agent's credentials (see fixbot's logs), then ${retryHint(params.source)}.`,
      },
    };
  }
  // A later attempt that changes nothing more has given up: the previous test failure stands.
  return { kind: "stop", status: params.attempt === 1 || params.patch === "" ? "no-change" : "tests-failing" };
}

/** Final status once the attempts are over. Pure. */
export function finalStatus(testsPassed: boolean): Extract<RunStatus, "fixed" | "tests-failing"> {
  return testsPassed ? "fixed" : "tests-failing";
}

/** The error a run ends with when a budget is used up. Pure. */
export function budgetError(params: {
  name: BudgetName | "time";
  step: string;
  budgets: RepoConfig["budgets"];
  used: Usage;
  source: "github" | "local";
}): NonNullable<RunView["error"]> {
  const { budgets, used } = params;
  const what = {
    time: `its run time budget (${budgets.runMinutes} min)`,
    turns: `its agent-turn budget (${budgets.turns}; used ${used.turns ?? 0})`,
    tokens: `its token budget (${budgets.tokens.toLocaleString("en-US")}; used ${totalTokens(used).toLocaleString("en-US")})`,
    cost: `its cost budget ($${budgets.costUsd}; used $${(used.costUsd ?? 0).toFixed(2)})`,
  }[params.name];
  const field = { time: "runMinutes", turns: "turns", tokens: "tokens", cost: "costUsd" }[params.name];
  return {
    step: params.step,
    message: `The run was stopped: it used up ${what}. Nothing was pushed.`,
    hint: `Raise \`budgets.${field}\` in .github/fixbot.yml if this issue needs more, then ${retryHint(params.source)}.`,
  };
}
