import { Buffer } from "node:buffer";
import picomatch from "picomatch";
import type { DiffFile } from "./diff.js";

/** A file of the diff that no review chunk carries, and why; listed in the review so it is never silently partial. */
export interface SkippedFile {
  path: string;
  reason: "generated" | "lockfile" | "binary" | "too-large" | "ignored-path";
}

export interface ChunkParams {
  /** Budget of one chunk, in UTF-8 bytes of the files' patches (e.g. 60_000). */
  maxChunkBytes: number;
  /** A single file whose patch is bigger than this is skipped as too-large. */
  maxFileBytes: number;
  /** Chunks beyond this many are not made; files that fit nowhere are skipped as too-large. */
  maxChunks: number;
  /** Globs (`dist/**`, `*.min.js`, `*.{png,jpg}`, `!keep.min.js`); see ignoredPathMatcher. */
  ignorePaths?: string[];
}

/**
 * Splits a parsed diff into review chunks that each fit an agent's budget, keeping the diff's file order.
 * Every input file ends up in exactly one chunk or in `skipped` with a reason, so the review can say what it
 * did not look at. Files are filled greedily: a file that does not fit the current chunk opens the next one;
 * once `maxChunks` are open, a later file that still fits the last chunk goes in, the others are skipped.
 */
export function chunkDiff(files: DiffFile[], params: ChunkParams): { chunks: DiffFile[][]; skipped: SkippedFile[] } {
  const ignore = ignoredPathMatcher(params.ignorePaths ?? []);
  const fileLimit = Math.min(params.maxFileBytes, params.maxChunkBytes);
  const chunks: DiffFile[][] = [];
  const skipped: SkippedFile[] = [];
  let used = 0;
  for (const file of files) {
    const reason = skipReason(file, ignore);
    if (reason) {
      skipped.push({ path: file.path, reason });
      continue;
    }
    const size = Buffer.byteLength(file.patch, "utf8");
    if (size > fileLimit || params.maxChunks < 1) {
      skipped.push({ path: file.path, reason: "too-large" });
      continue;
    }
    const current = chunks[chunks.length - 1];
    if (current && used + size <= params.maxChunkBytes) {
      current.push(file);
      used += size;
    } else if (chunks.length < params.maxChunks) {
      chunks.push([file]);
      used = size;
    } else {
      skipped.push({ path: file.path, reason: "too-large" });
    }
  }
  return { chunks, skipped };
}

function skipReason(file: DiffFile, ignored: (path: string) => boolean): SkippedFile["reason"] | undefined {
  if (ignored(file.path)) return "ignored-path";
  if (isLockfile(file.path)) return "lockfile";
  if (file.binary) return "binary";
  if (isGenerated(file.path, file.patch)) return "generated";
  return undefined;
}

const LOCKFILES = new Set(
  [
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "bun.lockb",
    "deno.lock",
    "Cargo.lock",
    "go.sum",
    "go.work.sum",
    "poetry.lock",
    "Pipfile.lock",
    "pdm.lock",
    "uv.lock",
    "Gemfile.lock",
    "composer.lock",
    "mix.lock",
    "pubspec.lock",
    "Podfile.lock",
    "Package.resolved",
    "packages.lock.json",
    "paket.lock",
    "flake.lock",
    "gradle.lockfile",
    "conda-lock.yml",
    "cabal.project.freeze",
    "shard.lock",
  ].map((name) => name.toLowerCase()),
);

/** Dependency lockfiles: machine-written, huge, and not worth an agent's budget. */
export function isLockfile(path: string): boolean {
  return LOCKFILES.has(basename(path).toLowerCase());
}

const GENERATED_DIRS = new Set(["dist", "build", "vendor", "node_modules", "__generated__"]);
const GENERATED_NAME = /\.min\.(?:js|mjs|cjs|css)$|\.(?:js|css)\.map$|\.pb\.go$|_pb2(?:_grpc)?\.pyi?$/i;
const GENERATED_MARKER = /@generated|DO NOT EDIT|Code generated/;
const MARKER_LINES = 10;

/**
 * Generated code: build output and vendored directories (at any depth), minified bundles and source maps, and
 * files whose first lines carry a `@generated` / `DO NOT EDIT` / `Code generated` marker. Reviewing them wastes
 * the budget; their source is reviewed instead.
 */
export function isGenerated(path: string, patch: string): boolean {
  const parts = path.split("/");
  if (parts.slice(0, -1).some((dir) => GENERATED_DIRS.has(dir))) return true;
  if (GENERATED_NAME.test(basename(path))) return true;
  return headLines(patch).some((line) => GENERATED_MARKER.test(line));
}

/** The first lines of the file as the patch shows them: only a hunk that starts at line 1 shows the file's head. */
function headLines(patch: string): string[] {
  const out: string[] = [];
  let inHead = false;
  for (const line of patch.split("\n")) {
    const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (header) {
      if (out.length) break;
      inHead = Number(header[1]) <= 1 || Number(header[2]) <= 1;
      continue;
    }
    if (!inHead) continue;
    if (/^[ +-]/.test(line)) out.push(line.slice(1));
    if (out.length >= MARKER_LINES) break;
  }
  return out;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * `pullRequests.ignorePaths` as one predicate, with picomatch's globs (`**`, `*`, `?`, `{a,b}`, `[ab]`, extglobs),
 * dotfiles included. As in `.gitignore`: a pattern without `/` matches the file name at any depth, a leading `/`
 * anchors to the root, a trailing `/` means everything below, and `!pattern` takes back what an earlier pattern
 * ignored (the last pattern that matches decides). Pure.
 */
export function ignoredPathMatcher(patterns: readonly string[]): (path: string) => boolean {
  const rules = patterns.map((raw) => {
    const negated = raw.trim().startsWith("!");
    return { negated, test: picomatch(toPicomatchGlob(raw.trim().replace(/^!/, "")), { dot: true }) };
  });
  return (path) => {
    let ignored = false;
    for (const rule of rules) if (rule.negated === ignored && rule.test(path)) ignored = !rule.negated;
    return ignored;
  };
}

/** A `.gitignore`-style pattern in picomatch's terms. Pure. */
function toPicomatchGlob(pattern: string): string {
  let glob = pattern.replace(/^\.\//, "");
  if (glob.endsWith("/")) glob += "**";
  if (glob.startsWith("/")) return glob.slice(1);
  return glob.includes("/") ? glob : `**/${glob}`;
}
