import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createScriptedAgent } from "../../src/agents/scripted.js";
import { AgentError } from "../../src/agents/types.js";

let workspace: string;

beforeEach(async () => {
  workspace = await mkdtemp(join(tmpdir(), "fixbot-scripted-"));
  await writeFile(join(workspace, "math.js"), "export const add = (a, b) => a - b;\n");
});
afterEach(async () => {
  await rm(workspace, { recursive: true, force: true });
});

const task = (attempt: number, extra: Partial<{ signal: AbortSignal; timeoutMs: number }> = {}) => ({
  workspace,
  task: "fix add",
  attempt,
  timeoutMs: 10_000,
  ...extra,
});
const read = (path: string) => readFile(join(workspace, path), "utf8");

const PATCH = `diff --git a/math.js b/math.js
--- a/math.js
+++ b/math.js
@@ -1 +1 @@
-export const add = (a, b) => a - b;
+export const add = (a, b) => a + b;
`;

describe("scripted agent: edit", () => {
  it("writes whole files, creating directories", async () => {
    const a = createScriptedAgent({
      attempts: [{ summary: "wrote files", edits: [{ path: "src/deep/new.txt", content: "hello\n" }] }],
    });
    expect(a.kind).toBe("scripted");
    expect(await a.edit(task(1))).toEqual({ summary: "wrote files", exitCode: 0, timedOut: false });
    expect(await read("src/deep/new.txt")).toBe("hello\n");
  });

  it("plays attempt n from attempts[n-1] and changes nothing beyond the list", async () => {
    const a = createScriptedAgent({
      attempts: [
        { edits: [{ path: "math.js", search: "a - b", replace: "a * b" }] },
        { edits: [{ path: "math.js", search: "a * b", replace: "a + b" }] },
      ],
    });
    expect((await a.edit(task(1))).summary).toBe("Scripted attempt 1: 1 edit(s) applied.");
    expect(await read("math.js")).toContain("a * b");
    await a.edit(task(2));
    expect(await read("math.js")).toContain("a + b");
    expect(await a.edit(task(3))).toEqual({ summary: "Scripted attempt 3: no change.", exitCode: 0, timedOut: false });
    expect(await read("math.js")).toContain("a + b");
  });

  it("replaces literally, without $-pattern surprises", async () => {
    const a = createScriptedAgent({ attempts: [{ edits: [{ path: "math.js", search: "a - b", replace: "`$&$1`" }] }] });
    await a.edit(task(1));
    expect(await read("math.js")).toBe("export const add = (a, b) => `$&$1`;\n");
  });

  it("throws AgentError naming the path when the search text is missing", async () => {
    const a = createScriptedAgent({ attempts: [{ edits: [{ path: "math.js", search: "nope", replace: "x" }] }] });
    await expect(a.edit(task(1))).rejects.toThrow(AgentError);
    await expect(a.edit(task(1))).rejects.toThrow(/math\.js/);
    const missing = createScriptedAgent({ attempts: [{ edits: [{ path: "gone.js", search: "a", replace: "b" }] }] });
    await expect(missing.edit(task(1))).rejects.toThrow(/gone\.js/);
  });

  it("refuses paths outside the workspace", async () => {
    const a = createScriptedAgent({ attempts: [{ edits: [{ path: "../escape.txt", content: "x" }] }] });
    await expect(a.edit(task(1))).rejects.toThrow(AgentError);
  });

  it("applies unified diffs with git apply", async () => {
    const a = createScriptedAgent({ attempts: [{ edits: [{ patch: PATCH }] }] });
    await a.edit(task(1));
    expect(await read("math.js")).toBe("export const add = (a, b) => a + b;\n");
  });

  it("throws AgentError when a patch does not apply", async () => {
    const a = createScriptedAgent({ attempts: [{ edits: [{ patch: PATCH.replace("a - b", "a / b") }] }] });
    await expect(a.edit(task(1))).rejects.toThrow(/patch does not apply/);
    expect(await read("math.js")).toContain("a - b");
  });

  it("throws when the signal is already aborted, before touching the workspace", async () => {
    const ac = new AbortController();
    ac.abort(new Error("cancelled"));
    const a = createScriptedAgent({ attempts: [{ edits: [{ path: "x.txt", content: "x" }] }] });
    await expect(a.edit(task(1, { signal: ac.signal }))).rejects.toThrow("cancelled");
    expect(await readdir(workspace)).toEqual(["math.js"]);
  });

  it("aborts its simulated delay", async () => {
    const ac = new AbortController();
    const a = createScriptedAgent({ attempts: [{ edits: [{ path: "x.txt", content: "x" }] }], delayMs: 60_000 });
    const editing = a.edit(task(1, { signal: ac.signal }));
    ac.abort(new Error("stop"));
    await expect(editing).rejects.toThrow("stop");
    expect(await readdir(workspace)).toEqual(["math.js"]);
  });

  it("reports a timeout when the delay outlasts the task timeout", async () => {
    const a = createScriptedAgent({ attempts: [{ edits: [{ path: "x.txt", content: "x" }] }], delayMs: 60_000 });
    const r = await a.edit(task(1, { timeoutMs: 300 }));
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).not.toBe(0);
    expect(await readdir(workspace)).toEqual(["math.js"]);
  });
});

describe("scripted agent: review", () => {
  const reviewTask = { workspace: "/unused", diff: PATCH, context: "ctx", timeoutMs: 10_000 };

  it("defaults to counting changed files", async () => {
    const r = await createScriptedAgent({ attempts: [] }).review(reviewTask);
    expect(r).toEqual({ body: "Scripted review: 1 file(s) changed.", exitCode: 0, timedOut: false });
  });

  it("returns the given text or a function of the diff", async () => {
    expect((await createScriptedAgent({ attempts: [], review: "LGTM" }).review(reviewTask)).body).toBe("LGTM");
    const fn = (diff: string) => `saw ${diff.split("\n").length} lines`;
    expect((await createScriptedAgent({ attempts: [], review: fn }).review(reviewTask)).body).toBe("saw 7 lines");
  });

  it("honours the signal", async () => {
    const ac = new AbortController();
    ac.abort(new Error("cancelled"));
    await expect(createScriptedAgent({ attempts: [] }).review({ ...reviewTask, signal: ac.signal })).rejects.toThrow(
      "cancelled",
    );
  });
});
