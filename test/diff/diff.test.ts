import { describe, expect, it } from "vitest";
import { commentableLines, parseDiff, unquote, type DiffFile } from "../../src/diff/diff.js";

/** Real `git diff --binary base...head` output (git 2.x): add, delete, modify, rename, pure rename, mode change, binary, quoted and spaced paths, missing final newline. */
const GIT_DIFF = [
  "diff --git a/added.txt b/added.txt",
  "new file mode 100644",
  "index 0000000..07f33c4",
  "--- /dev/null",
  "+++ b/added.txt",
  "@@ -0,0 +1,2 @@",
  "+new",
  "+file",
  'diff --git "a/caf\\303\\251.txt" "b/caf\\303\\251.txt"',
  "index c600332..bd74d4f 100644",
  '--- "a/caf\\303\\251.txt"',
  '+++ "b/caf\\303\\251.txt"',
  "@@ -1 +1 @@",
  "-\u00e9",
  "+\u00e8",
  "diff --git a/gone.txt b/gone.txt",
  "deleted file mode 100644",
  "index 6362f82..0000000",
  "--- a/gone.txt",
  "+++ /dev/null",
  "@@ -1,2 +0,0 @@",
  "-bye",
  "-bye2",
  "diff --git a/img.bin b/img.bin",
  "index 8352675d67aed6625ece79af41c27fdb4ee2e867..95d586e774a04676a07a142f0e2f97a4f32562cb 100644",
  "GIT binary patch",
  "literal 4",
  "LcmZSJWMT#Y044wr",
  "",
  "literal 3",
  "KcmZQzWC8#H2LJ>B",
  "",
  "diff --git a/mod.txt b/mod.txt",
  "index 4083766..0bf430c 100644",
  "--- a/mod.txt",
  "+++ b/mod.txt",
  "@@ -1,5 +1,5 @@",
  " line1",
  "-line2",
  "+line2 changed",
  " line3",
  " line4",
  " line5",
  "@@ -7,4 +7,5 @@ line6",
  " line7",
  " line8",
  " line9",
  "+--- not a header",
  " line10",
  "diff --git a/old-name.txt b/new-name.txt",
  "similarity index 80%",
  "rename from old-name.txt",
  "rename to new-name.txt",
  "index 600d48a..cdafba1 100644",
  "--- a/old-name.txt",
  "+++ b/new-name.txt",
  "@@ -1,5 +1,5 @@",
  " alpha",
  " beta",
  "-gamma",
  "+GAMMA",
  " delta",
  " epsilon",
  "diff --git a/noeol.txt b/noeol.txt",
  "index c1b0730..e25f181 100644",
  "--- a/noeol.txt",
  "+++ b/noeol.txt",
  "@@ -1 +1 @@",
  "-x",
  "\\ No newline at end of file",
  "+y",
  "\\ No newline at end of file",
  "diff --git a/pure-old.txt b/pure-new.txt",
  "similarity index 100%",
  "rename from pure-old.txt",
  "rename to pure-new.txt",
  "diff --git a/run.sh b/run.sh",
  "old mode 100644",
  "new mode 100755",
  "diff --git a/with space.txt b/with space.txt",
  "index 7898192..6178079 100644",
  "--- a/with space.txt\t",
  "+++ b/with space.txt\t",
  "@@ -1 +1 @@",
  "-a",
  "+b",
  "",
].join("\n");

function byPath(files: DiffFile[], path: string): DiffFile {
  const file = files.find((f) => f.path === path);
  if (!file) throw new Error(`no ${path} in ${files.map((f) => f.path).join(", ")}`);
  return file;
}

describe("parseDiff on real git output", () => {
  const files = parseDiff(GIT_DIFF);

  it("finds every file in diff order", () => {
    expect(files.map((f) => f.path)).toEqual([
      "added.txt",
      "café.txt",
      "gone.txt",
      "img.bin",
      "mod.txt",
      "new-name.txt",
      "noeol.txt",
      "pure-new.txt",
      "run.sh",
      "with space.txt",
    ]);
  });

  it("patches are the file sections, byte for byte, and concatenate back to the diff", () => {
    expect(files.map((f) => f.patch).join("")).toBe(GIT_DIFF);
    for (const f of files) expect(f.patch.startsWith("diff --git ")).toBe(true);
  });

  it("reads a new file", () => {
    const f = byPath(files, "added.txt");
    expect(f).toMatchObject({ status: "added", binary: false, additions: 2, deletions: 0 });
    expect(f.oldPath).toBeUndefined();
    expect(f.hunks).toEqual([
      {
        oldStart: 0,
        oldLines: 0,
        newStart: 1,
        newLines: 2,
        lines: [
          { kind: "add", newLine: 1, text: "new" },
          { kind: "add", newLine: 2, text: "file" },
        ],
      },
    ]);
  });

  it("reads a deleted file under its old path", () => {
    const f = byPath(files, "gone.txt");
    expect(f).toMatchObject({ status: "deleted", additions: 0, deletions: 2 });
    expect(f.hunks[0]?.lines).toEqual([
      { kind: "del", oldLine: 1, text: "bye" },
      { kind: "del", oldLine: 2, text: "bye2" },
    ]);
    expect(commentableLines(f).size).toBe(0);
  });

  it("numbers lines across several hunks and does not take '--- ' content for a header", () => {
    const f = byPath(files, "mod.txt");
    expect(f).toMatchObject({ status: "modified", additions: 2, deletions: 1 });
    expect(f.hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines])).toEqual([
      [1, 5, 1, 5],
      [7, 4, 7, 5],
    ]);
    expect(f.hunks[0]?.lines.slice(0, 3)).toEqual([
      { kind: "ctx", oldLine: 1, newLine: 1, text: "line1" },
      { kind: "del", oldLine: 2, text: "line2" },
      { kind: "add", newLine: 2, text: "line2 changed" },
    ]);
    expect(f.hunks[1]?.lines.at(-2)).toEqual({ kind: "add", newLine: 10, text: "--- not a header" });
    expect(f.hunks[1]?.lines.at(-1)).toEqual({ kind: "ctx", oldLine: 10, newLine: 11, text: "line10" });
  });

  it("reads a rename with changes and a pure rename", () => {
    expect(byPath(files, "new-name.txt")).toMatchObject({ status: "renamed", oldPath: "old-name.txt", additions: 1, deletions: 1 });
    const pure = byPath(files, "pure-new.txt");
    expect(pure).toMatchObject({ status: "renamed", oldPath: "pure-old.txt", additions: 0, deletions: 0, hunks: [] });
  });

  it("reads a GIT binary patch as binary without hunks", () => {
    expect(byPath(files, "img.bin")).toMatchObject({ status: "modified", binary: true, additions: 0, deletions: 0, hunks: [] });
  });

  it("ignores '\\ No newline at end of file'", () => {
    const f = byPath(files, "noeol.txt");
    expect(f.hunks[0]?.lines).toEqual([
      { kind: "del", oldLine: 1, text: "x" },
      { kind: "add", newLine: 1, text: "y" },
    ]);
  });

  it("reads a mode-only change as modified with no hunks", () => {
    expect(byPath(files, "run.sh")).toMatchObject({ status: "modified", binary: false, hunks: [] });
  });

  it("unquotes C-quoted paths and drops the tab git adds after a name with a space", () => {
    expect(byPath(files, "café.txt").hunks[0]?.lines.map((l) => l.text)).toEqual(["é", "è"]);
    expect(byPath(files, "with space.txt")).toMatchObject({ status: "modified", additions: 1, deletions: 1 });
  });
});

describe("parseDiff edge cases", () => {
  it("returns nothing for an empty diff and ignores text before the first header", () => {
    expect(parseDiff("")).toEqual([]);
    const files = parseDiff("warning: something\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n");
    expect(files).toHaveLength(1);
    expect(files[0]?.patch.startsWith("diff --git a/x b/x")).toBe(true);
  });

  it("reads 'Binary files ... differ' for new and deleted binaries", () => {
    const diff = [
      "diff --git a/logo.png b/logo.png",
      "new file mode 100644",
      "index 0000000..1111111",
      "Binary files /dev/null and b/logo.png differ",
      "diff --git a/old.png b/old.png",
      "deleted file mode 100644",
      "index 1111111..0000000",
      "Binary files a/old.png and /dev/null differ",
      "",
    ].join("\n");
    expect(parseDiff(diff).map((f) => [f.path, f.status, f.binary])).toEqual([
      ["logo.png", "added", true],
      ["old.png", "deleted", true],
    ]);
  });

  it("takes 'diff --git' and '@@' inside changed lines as content", () => {
    const diff = [
      "diff --git a/doc.md b/doc.md",
      "--- a/doc.md",
      "+++ b/doc.md",
      "@@ -1,2 +1,3 @@",
      " intro",
      "+diff --git a/fake b/fake",
      "-@@ -1 +1 @@",
      "+++ b/not-a-header",
      "",
    ].join("\n");
    const [file] = parseDiff(diff);
    expect(parseDiff(diff)).toHaveLength(1);
    expect(file?.hunks[0]?.lines.map((l) => [l.kind, l.text])).toEqual([
      ["ctx", "intro"],
      ["add", "diff --git a/fake b/fake"],
      ["del", "@@ -1 +1 @@"],
      ["add", "++ b/not-a-header"],
    ]);
    expect(file).toMatchObject({ path: "doc.md", additions: 2, deletions: 1 });
  });

  it("treats an empty line inside a hunk as a context line whose space was stripped", () => {
    const diff = "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1,3 +1,3 @@\n x\n\n-y\n+z\n";
    const lines = parseDiff(diff)[0]?.hunks[0]?.lines ?? [];
    expect(lines.map((l) => [l.kind, l.oldLine, l.newLine, l.text])).toEqual([
      ["ctx", 1, 1, "x"],
      ["ctx", 2, 2, ""],
      ["del", 3, undefined, "y"],
      ["add", undefined, 3, "z"],
    ]);
  });

  it("keeps the carriage return of CRLF content and still reads CRLF headers", () => {
    const diff = "diff --git a/w.txt b/w.txt\r\n--- a/w.txt\r\n+++ b/w.txt\r\n@@ -1 +1 @@\r\n-a\r\n+b\r\n";
    const [file] = parseDiff(diff);
    expect(file).toMatchObject({ path: "w.txt", additions: 1, deletions: 1 });
    expect(file?.hunks[0]?.lines[1]).toEqual({ kind: "add", newLine: 1, text: "b\r" });
  });

  it("stops a truncated hunk at the next file instead of swallowing it", () => {
    const diff =
      "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1,5 +1,5 @@\n x\n-y\ndiff --git a/b b/b\n--- a/b\n+++ b/b\n@@ -1 +1 @@\n-p\n+q\n";
    const files = parseDiff(diff);
    expect(files.map((f) => [f.path, f.additions, f.deletions])).toEqual([
      ["a", 0, 1],
      ["b", 1, 1],
    ]);
  });

  it("reads hunk headers without counts and with a section heading", () => {
    const diff = "diff --git a/a.ts b/a.ts\n--- a/a.ts\n+++ b/a.ts\n@@ -3 +3,2 @@ function main() {\n-old\n+new\n+more\n";
    expect(parseDiff(diff)[0]?.hunks[0]).toMatchObject({ oldStart: 3, oldLines: 1, newStart: 3, newLines: 2 });
  });

  it("reads a rename of quoted paths and a copy", () => {
    const diff = [
      'diff --git "a/d\\303\\251j\\303\\240 vu.txt" "b/new \\"q\\".txt"',
      "similarity index 100%",
      'rename from "d\\303\\251j\\303\\240 vu.txt"',
      'rename to "new \\"q\\".txt"',
      "diff --git a/src.ts b/copy.ts",
      "similarity index 90%",
      "copy from src.ts",
      "copy to copy.ts",
      "--- a/src.ts",
      "+++ b/copy.ts",
      "@@ -1 +1 @@",
      "-a",
      "+b",
      "",
    ].join("\n");
    expect(parseDiff(diff).map((f) => [f.path, f.oldPath, f.status])).toEqual([
      ['new "q".txt', "déjà vu.txt", "renamed"],
      ["copy.ts", "src.ts", "added"],
    ]);
  });

  it("falls back to the 'diff --git' line when no other header names the file", () => {
    const diff = "diff --git a/dir with space/x y b/dir with space/x y\nold mode 100644\nnew mode 100755\n";
    expect(parseDiff(diff)[0]).toMatchObject({ path: "dir with space/x y", status: "modified" });
  });
});

describe("commentableLines", () => {
  it("is the new-side numbers of added and context lines", () => {
    const diff = "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1,3 +1,3 @@\n x\n-y\n+z\n w\n@@ -20,2 +20,1 @@\n-gone\n kept\n";
    const [file] = parseDiff(diff);
    expect(file && [...commentableLines(file)].sort((a, b) => a - b)).toEqual([1, 2, 3, 20]);
  });
});

describe("unquote", () => {
  it("decodes escapes and octal UTF-8 bytes, leaves unquoted text alone", () => {
    expect(unquote('"a\\tb\\\\c\\"d"')).toBe('a\tb\\c"d');
    expect(unquote('"\\360\\237\\230\\200.txt"')).toBe("😀.txt");
    expect(unquote('"emoji 😀 kept"')).toBe("emoji 😀 kept");
    expect(unquote("plain")).toBe("plain");
  });
});
