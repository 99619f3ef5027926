import type { RunView } from "../workflow/types.js";

/** The run's error when `.github/fixbot.yml` asks for more than the operator's ceilings. Pure. */
export function ceilingError(problems: readonly string[]): NonNullable<RunView["error"]> {
  return {
    step: "check-request",
    message: `\`.github/fixbot.yml\` asks for more than this fixbot allows, so the run was not started:\n${problems.map((p) => `- ${p}`).join("\n")}`,
    hint: "Lower the budgets named above in .github/fixbot.yml (or ask fixbot's operator to raise the ceiling), then label the issue again.",
  };
}
