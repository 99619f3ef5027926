import type { RunView } from "./types.js";

type RunError = NonNullable<RunView["error"]>;

/** How the person who asked can try again, in their own terms. Pure. */
export function retryHint(source: "github" | "local"): string {
  return source === "github" ? "label the issue again (remove and re-add the label)" : "run the same fixbot command again";
}

/** `.github/fixbot.yml` did not validate: each problem listed, and what to do. Pure. */
export function invalidConfigError(problems: readonly string[], source: "github" | "local"): RunError {
  return {
    step: "check-request",
    message: `\`.github/fixbot.yml\` is invalid:\n${problems.map((p) => `- ${p}`).join("\n")}`,
    hint: `Fix the fields listed above (see fixbot's README for the expected form), then ${retryHint(source)}.`,
  };
}

/** The repository has no way to run its tests that fixbot knows of. Pure. */
export function noTestCommandError(source: "github" | "local"): RunError {
  return {
    step: "clone-repo",
    message: "fixbot found no way to run this repository's tests: no `testCommand` is configured and package.json has no test script.",
    hint: `Set \`testCommand\` in .github/fixbot.yml (or pass --test-command), then ${retryHint(source)}.`,
  };
}
