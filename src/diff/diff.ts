/** One file's section of a unified git diff. */
export interface DiffFile {
  /** Path on the new side (the old path for a deleted file). */
  path: string;
  /** Path before a rename or copy. */
  oldPath?: string;
  status: "added" | "deleted" | "modified" | "renamed";
  binary: boolean;
  additions: number;
  deletions: number;
  /** This file's whole section of the diff, from its `diff --git` line, byte-for-byte. */
  patch: string;
  hunks: DiffHunk[];
}

export interface DiffLine {
  kind: "add" | "del" | "ctx";
  oldLine?: number;
  newLine?: number;
  /** The line without its `+`/`-`/` ` prefix (a CRLF file keeps its `\r`). */
  text: string;
}

export interface DiffHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * Parses `git diff` output (several files, renames, copies, mode changes, binary files, missing final newlines)
 * into files with line-numbered hunks, so a review can be split by file and its comments placed on lines GitHub
 * accepts. Pure and lossless: the `patch` fields concatenate back to the diff (minus any text before the first
 * `diff --git`). Hunks are read by their line counts, so content such as `--- x` or `diff --git` inside a
 * changed line is never mistaken for a header.
 */
export function parseDiff(diff: string): DiffFile[] {
  const starts: number[] = [];
  const header = /^diff --git /gm;
  for (let m = header.exec(diff); m; m = header.exec(diff)) starts.push(m.index);
  return starts.map((start, i) => parseSection(diff.slice(start, starts[i + 1] ?? diff.length)));
}

/**
 * Lines (new side) a review comment may be attached to: added or context lines inside hunks (GitHub accepts
 * `line` + `side: "RIGHT"` for those). Anything else is rejected by the API and fails the whole review.
 */
export function commentableLines(file: DiffFile): Set<number> {
  const out = new Set<number>();
  for (const hunk of file.hunks) {
    for (const line of hunk.lines) if (line.kind !== "del" && line.newLine !== undefined) out.add(line.newLine);
  }
  return out;
}

function parseSection(patch: string): DiffFile {
  const lines = patch.split("\n");
  const names = gitHeaderPaths(lines[0] ?? "");
  let oldPath: string | undefined;
  let newPath: string | undefined;
  let status: DiffFile["status"] = "modified";
  let binary = false;
  const hunks: DiffHunk[] = [];
  let i = 1;
  while (i < lines.length) {
    const line = stripCr(lines[i] ?? "");
    const hunk = HUNK_HEADER.exec(line);
    if (hunk) {
      i = readHunk(lines, i + 1, hunk, hunks);
      continue;
    }
    if (line.startsWith("new file mode")) status = "added";
    else if (line.startsWith("deleted file mode")) status = "deleted";
    else if (line.startsWith("rename from ")) {
      status = "renamed";
      oldPath = unquote(line.slice(12));
    } else if (line.startsWith("rename to ")) newPath = unquote(line.slice(10));
    else if (line.startsWith("copy from ")) {
      status = "added"; // a copy is a new file; oldPath says where it came from
      oldPath = unquote(line.slice(10));
    } else if (line.startsWith("copy to ")) newPath = unquote(line.slice(8));
    else if (line.startsWith("--- ")) oldPath = sidePath(line.slice(4), "a/") ?? oldPath;
    else if (line.startsWith("+++ ")) newPath = sidePath(line.slice(4), "b/") ?? newPath;
    else if (line === "GIT binary patch" || (line.startsWith("Binary files ") && line.endsWith(" differ"))) binary = true;
    i++;
  }
  oldPath ??= names?.[0];
  newPath ??= names?.[1];
  const path = (status === "deleted" ? oldPath : newPath) ?? newPath ?? oldPath ?? "";
  let additions = 0;
  let deletions = 0;
  for (const l of hunks.flatMap((h) => h.lines)) {
    if (l.kind === "add") additions++;
    else if (l.kind === "del") deletions++;
  }
  const file: DiffFile = { path, status, binary, additions, deletions, patch, hunks };
  if ((status === "renamed" || status === "added") && oldPath !== undefined && oldPath !== path) file.oldPath = oldPath;
  return file;
}

/** Reads one hunk's body by its counts; returns the index of the first line after it. */
function readHunk(lines: string[], from: number, header: RegExpExecArray, out: DiffHunk[]): number {
  const hunk: DiffHunk = {
    oldStart: Number(header[1]),
    oldLines: header[2] === undefined ? 1 : Number(header[2]),
    newStart: Number(header[3]),
    newLines: header[4] === undefined ? 1 : Number(header[4]),
    lines: [],
  };
  out.push(hunk);
  let oldLeft = hunk.oldLines;
  let newLeft = hunk.newLines;
  let oldNo = hunk.oldStart;
  let newNo = hunk.newStart;
  let i = from;
  for (; i < lines.length; i++) {
    const raw = lines[i] ?? "";
    const mark = raw[0];
    if (mark === "\\") continue; // "\ No newline at end of file"
    if (oldLeft <= 0 && newLeft <= 0) break;
    if (mark === "+" && newLeft > 0) {
      hunk.lines.push({ kind: "add", newLine: newNo++, text: raw.slice(1) });
      newLeft--;
    } else if (mark === "-" && oldLeft > 0) {
      hunk.lines.push({ kind: "del", oldLine: oldNo++, text: raw.slice(1) });
      oldLeft--;
    } else if ((mark === " " || raw === "" || raw === "\r") && oldLeft > 0 && newLeft > 0) {
      // An empty line is a context line whose trailing space an editor or mailer stripped.
      hunk.lines.push({ kind: "ctx", oldLine: oldNo++, newLine: newNo++, text: raw.slice(1) });
      oldLeft--;
      newLeft--;
    } else break; // truncated or malformed hunk: stop here rather than swallow the next header
  }
  return i;
}

/** `a/x b/x` (or quoted forms) from the `diff --git` line; the fallback when no other header names the file. */
function gitHeaderPaths(line: string): [string, string] | undefined {
  const rest = stripCr(line).slice("diff --git ".length);
  if (rest.startsWith('"')) {
    const m = /^("(?:[^"\\]|\\.)*") (.+)$/.exec(rest);
    return m?.[1] && m[2] ? [strip(unquote(m[1]), "a/"), strip(unquote(m[2]), "b/")] : undefined;
  }
  if (rest.endsWith('"')) {
    const m = /^(.+?) ("(?:[^"\\]|\\.)*")$/.exec(rest);
    return m?.[1] && m[2] ? [strip(m[1], "a/"), strip(unquote(m[2]), "b/")] : undefined;
  }
  const half = (rest.length - 1) / 2;
  const a = rest.slice(0, half);
  const b = rest.slice(half + 1);
  if (Number.isInteger(half) && a.startsWith("a/") && b.startsWith("b/") && a.slice(2) === b.slice(2)) {
    return [a.slice(2), b.slice(2)];
  }
  const sep = rest.indexOf(" b/");
  return sep < 0 ? undefined : [strip(rest.slice(0, sep), "a/"), rest.slice(sep + 3)];
}

/** The path of a `---`/`+++` line; undefined for /dev/null. Git appends a tab when the name has a space. */
function sidePath(value: string, prefix: string): string | undefined {
  const name = value.endsWith("\t") ? value.slice(0, -1) : value;
  if (name === "/dev/null") return undefined;
  return strip(unquote(name), prefix);
}

function strip(path: string, prefix: string): string {
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, "\\": 92 };

/** Git's C-style quoting (`"caf\303\251.txt"`): escapes and octal UTF-8 bytes. Unquoted input is returned as is. */
export function unquote(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  const body = value.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] ?? "";
    if (ch !== "\\") {
      const code = body.codePointAt(i) ?? 0;
      if (code > 0xffff) i++;
      bytes.push(...encoder.encode(String.fromCodePoint(code)));
      continue;
    }
    const next = body[i + 1] ?? "";
    const octal = /^[0-7]{3}/.exec(body.slice(i + 1, i + 4));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      i += 3;
    } else {
      bytes.push(ESCAPES[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
