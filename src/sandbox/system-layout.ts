import { lstat, readdir, readlink } from "node:fs/promises";
import picomatch from "picomatch";
import type { SystemEntry } from "./bwrap-args.js";

/** Top-level directories that hold programs and libraries; shown read-only (or as the same symlinks). */
const SYSTEM_PATHS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt"];

/**
 * What of /etc a command needs to resolve names, find users, trust certificates and load libraries and
 * toolchains. Nothing else of the host's configuration is shown.
 */
const ETC_PATTERNS = [
  "passwd",
  "group",
  "hosts",
  "resolv.conf",
  "nsswitch.conf",
  "host.conf",
  "gai.conf",
  "services",
  "protocols",
  "ssl",
  "ca-certificates",
  "ca-certificates.conf",
  "pki",
  "alternatives",
  "localtime",
  "timezone",
  "ld.so.cache",
  "ld.so.conf",
  "ld.so.conf.d",
  "os-release",
  "debian_version",
  "lsb-release",
  "mime.types",
  "python3*",
  "perl",
  "java-*",
  "ImageMagick-*",
  "fonts",
  "profile",
  "bash.bashrc",
  "inputrc",
  "terminfo",
];

/** Reads how the host lays out its system directories (merged /usr or not). */
export async function systemLayout(): Promise<SystemEntry[]> {
  const entries: SystemEntry[] = [];
  for (const path of SYSTEM_PATHS) {
    const info = await lstat(path).catch(() => undefined);
    if (!info) continue;
    if (info.isSymbolicLink()) entries.push({ path, kind: "symlink", target: await readlink(path) });
    else if (info.isDirectory()) entries.push({ path, kind: "dir" });
  }
  return entries;
}

export async function etcEntries(): Promise<string[]> {
  const isNeeded = picomatch(ETC_PATTERNS);
  const names = await readdir("/etc").catch(() => [] as string[]);
  return names.filter((name) => isNeeded(name)).map((name) => `/etc/${name}`);
}
