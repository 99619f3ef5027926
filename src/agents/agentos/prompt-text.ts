/** What the agent inside the VM is told about where it is. Pure text. */
const ENVIRONMENT = [
  "You work inside a sandboxed VM. The repository is checked out at /workspace, your current directory.",
  "There is no git and no working npm here: fixbot runs git and the test command on the host after you finish,",
  "so do not try to install packages, commit or push. Change the files with your tools.",
].join("\n");

/** The prompt for one edit attempt: the task, and on a retry the failing test output. Pure. */
export function editPrompt(params: { task: string; attempt: number; feedback?: string }): string {
  const parts = [
    params.task,
    "",
    "## Where you are",
    "",
    ENVIRONMENT,
    "",
    "When you are done, reply with a short summary of what you changed and why.",
  ];
  if (params.feedback !== undefined) {
    parts.push(
      "",
      `## Attempt ${params.attempt}: your previous attempt did not make the tests pass`,
      "",
      "Its changes are still in the working tree. The test output (tail):",
      "",
      "```",
      params.feedback,
      "```",
    );
  }
  return parts.join("\n");
}

/** The prompt for the reviewing session: the fixing agent's result (the chained context) and the diff. Pure. */
export function reviewPrompt(params: { context: string; diff: string }): string {
  return [
    "Review the change below as a careful senior engineer. Do not edit any file.",
    "",
    "The working tree at /workspace has the change applied: read the changed files (and the code around them) with your read tool when the diff alone is not enough.",
    "Your final message is published as the review, in markdown: start with a one-line verdict, then concrete findings with file paths and line numbers.",
    "",
    params.context,
    "",
    "## The diff",
    "",
    "```diff",
    params.diff,
    "```",
  ].join("\n");
}
