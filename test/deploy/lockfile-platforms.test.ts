import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

/**
 * What README ("Other platforms") says about the lock file and other platforms' native packages. The npm
 * registry answers 404 for RivetKit's engine and native module on darwin-arm64 and linux-arm64, so npm cannot
 * record them: the lock lists linux-x64's only, `npm ci` refuses it, and setup and the image use `npm install`.
 * If a later RivetKit publishes them and the lock records them, these checks fail: update the README then.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const run = promisify(execFile);

interface LockEntry {
  optionalDependencies?: Record<string, string>;
}

async function lockPackages(): Promise<Record<string, LockEntry>> {
  return (JSON.parse(await readFile(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> }).packages;
}

describe("package-lock.json and other platforms", () => {
  it.each([
    ["@rivetkit/engine-cli", "engine-cli-linux-x64-musl", ["engine-cli-darwin-arm64", "engine-cli-linux-arm64-musl"]],
    ["@rivetkit/rivetkit-napi", "rivetkit-napi-linux-x64-gnu", ["rivetkit-napi-darwin-arm64", "rivetkit-napi-linux-arm64-gnu"]],
  ])(
    "%s: linux-x64's native package is in the lock, darwin-arm64's and linux-arm64's are wanted but not recorded",
    async (name, recorded, missing) => {
      const packages = await lockPackages();
      const wanted = Object.keys(packages[`node_modules/${name}`]?.optionalDependencies ?? {});
      expect(wanted).toContain(`@rivetkit/${recorded}`);
      expect(packages[`node_modules/@rivetkit/${recorded}`]).toBeDefined();
      for (const other of missing) {
        expect(wanted).toContain(`@rivetkit/${other}`);
        expect(packages[`node_modules/@rivetkit/${other}`], other).toBeUndefined();
      }
    },
  );

  it("`npm ci` refuses this lock file (the optional packages it cannot list), so bin/setup and the image run `npm install`", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fixbot-lock-"));
    try {
      for (const file of ["package.json", "package-lock.json"]) await copyFile(join(ROOT, file), join(dir, file));
      const result = await run("npm", ["ci", "--dry-run", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: dir }).then(
        () => ({ code: 0, stderr: "" }),
        (error: { code?: number; stderr?: string }) => ({ code: error.code ?? -1, stderr: error.stderr ?? "" }),
      );
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain("Missing: @rivetkit/engine-cli-darwin-arm64@ from lock file");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const setup = await readFile(join(ROOT, "bin", "setup"), "utf8");
    expect(setup).toMatch(/^npm install\b/m);
    expect(setup).not.toMatch(/^\s*npm ci\b/m);
    expect(await readFile(join(ROOT, "Dockerfile"), "utf8")).toMatch(/&& npm install --omit=dev\b/);
  });

  it("the compose file runs the image as linux/amd64 (emulated on arm64 hosts)", async () => {
    const text = await readFile(join(ROOT, "docker-compose.yml"), "utf8");
    expect(text).toMatch(/^\s+platform: linux\/amd64$/m);
  });
});
