import { chmod, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopEmbeddedEngine } from "../../src/runtime/engine.js";
import { createCliLab, type CliLab } from "../helpers/cli-lab.js";

/**
 * `fixbot fix` runs that overlap on one machine: each request has its own engine (directory and port), so the
 * one that finishes first does not stop the other's; the same request started twice at once is refused.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const AGENTS = join(ROOT, "fixtures", "agents");

let lab: CliLab;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  lab = await createCliLab("fixbot-cli-overlap");
  // As a user runs it: no engine port given; each run picks its own.
  env = { ...lab.env };
  delete env.RIVET_RUN_ENGINE_PORT;
});

afterAll(async () => {
  const engines = join(env.FIXBOT_DATA_DIR!, "cli-engine");
  for (const dir of await readdir(engines).catch(() => [] as string[])) await stopEmbeddedEngine(join(engines, dir));
  await lab?.cleanup();
});

async function issue(name: string, title: string): Promise<string> {
  const file = join(lab.work, `${name}.md`);
  await writeFile(file, `# ${title}\n\nadd(2, 3) should be 5 but is -1.\n`);
  return file;
}

async function waitFor(path: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await stat(path).then(
      () => true,
      () => false,
    ))
  ) {
    if (Date.now() > deadline) throw new Error(`${path} never appeared`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("overlapping fixbot fix runs", () => {
  it("the run that finishes first leaves the other's engine running; the same request twice at once is refused", async () => {
    const flags = join(lab.work, "flags");
    await mkdir(flags);
    // The slow agent's flags: the one host directory its sandbox may write; the fixture agents read-only.
    await chmod(flags, 0o777);
    env.FIXBOT_SANDBOX_RW_PATHS = flags;
    env.FIXBOT_SANDBOX_RO_PATHS = AGENTS;
    const started = join(flags, "slow-started");
    const release = join(flags, "release");
    // The slow run's agent: says it started, waits until the test releases it, then fixes.
    const slowAgent = `touch ${started}; while [ ! -f ${release} ]; do sleep 0.1; done; exec ${join(AGENTS, "fix-calc.sh")}`;
    const slowArgs = [
      "fix",
      "--repo",
      lab.remote.url,
      "--issue-file",
      await issue("slow", "add is wrong (slow report)"),
      "--agent-command",
      slowAgent,
      "--json",
    ];
    const slow = lab.fixbot(slowArgs, { env, timeoutMs: 240_000 });
    await waitFor(started);

    const again = await lab.fixbot(slowArgs, { env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/another "fixbot fix" of this issue and repository is running \(process \d+\)/);

    const quick = await lab.fixbot(
      [
        "fix",
        "--repo",
        lab.remote.url,
        "--issue-file",
        await issue("quick", "add is wrong (quick report)"),
        "--agent-command",
        join(AGENTS, "fix-calc.sh"),
        "--json",
      ],
      { env },
    );
    expect(quick.code, quick.stderr).toBe(0);
    // The quick run has finished and stopped its engine; the slow one's must still be there.
    await writeFile(release, "");
    const result = await slow;
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { status: string }).status).toBe("fixed");
  }, 300_000);
});
