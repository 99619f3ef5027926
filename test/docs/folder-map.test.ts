import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");

/** The folder map in the README's "Development" section: the names at the start of each line under `src/`. */
function mappedFolders(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Development"));
  const block = section.slice(section.indexOf("```\nsrc/"), section.indexOf("\ntest/"));
  return [...block.matchAll(/^ {2}(\S[^ ]*(?:, \S+)*)\s{2,}/gm)]
    .flatMap((m) => m[1]!.split(", "))
    .filter((name) => name.endsWith("/"))
    .map((name) => name.slice(0, -1));
}

describe("the README's folder map", () => {
  it("names every folder of src/, and only folders that exist", () => {
    const folders = readdirSync(join(ROOT, "src"), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(mappedFolders().sort()).toEqual(folders);
  });
});
