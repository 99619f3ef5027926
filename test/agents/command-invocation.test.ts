import { describe, expect, it } from "vitest";
import { editInvocation, invocationFiles, reviewInvocation } from "../../src/agents/command-invocation.js";

const edit = { workspace: "/w", task: "Fix add().", attempt: 1, timeoutMs: 1000 };

describe("editInvocation", () => {
  it("a first attempt has the task as its prompt and no feedback file", () => {
    const inv = editInvocation(edit);
    expect(inv).toMatchObject({ mode: "edit", input: "Fix add().", prompt: "Fix add().", files: {}, extraEnv: { FIXBOT_ATTEMPT: "1" } });
  });

  it("a retry adds the feedback to the prompt and in FIXBOT_FEEDBACK_FILE, the input stays the task", () => {
    const inv = editInvocation({ ...edit, attempt: 2, feedback: "1 test failed" });
    expect(inv.input).toBe("Fix add().");
    expect(inv.prompt).toBe("Fix add().\n\n## Your previous attempt did not make the tests pass\n\n1 test failed");
    expect(inv.files).toEqual({ FIXBOT_FEEDBACK_FILE: { name: "feedback.txt", content: "1 test failed" } });
    expect(inv.extraEnv).toEqual({ FIXBOT_ATTEMPT: "2" });
  });
});

describe("reviewInvocation", () => {
  it("has the context as input, the diff fenced in the prompt and in FIXBOT_DIFF_FILE", () => {
    const inv = reviewInvocation({ workspace: "/w", context: "PR #3", diff: "+x", timeoutMs: 1000 });
    expect(inv).toMatchObject({ mode: "review", input: "PR #3", extraEnv: {} });
    expect(inv.prompt).toBe("PR #3\n\n## The diff\n\n```diff\n+x\n```");
    expect(inv.files).toEqual({ FIXBOT_DIFF_FILE: { name: "diff.patch", content: "+x" } });
  });
});

describe("invocationFiles", () => {
  it("writes the task, the prompt and the invocation's files, and names them as the command sees them", () => {
    const inv = editInvocation({ ...edit, attempt: 2, feedback: "failed" });
    const { files, env } = invocationFiles(inv, { workspace: "/workspace", files: "/run/fixbot" });
    expect(files).toEqual([
      { name: "task.md", content: "Fix add()." },
      { name: "prompt.md", content: inv.prompt },
      { name: "feedback.txt", content: "failed" },
    ]);
    expect(env).toEqual({
      FIXBOT_ATTEMPT: "2",
      FIXBOT_MODE: "edit",
      FIXBOT_TASK_FILE: "/run/fixbot/task.md",
      FIXBOT_WORKSPACE: "/workspace",
      FIXBOT_USAGE_FILE: "/run/fixbot/usage.json",
      FIXBOT_PROMPT_FILE: "/run/fixbot/prompt.md",
      FIXBOT_FEEDBACK_FILE: "/run/fixbot/feedback.txt",
    });
  });
});
