import { execFile, spawn } from "node:child_process";
import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopEmbeddedEngine } from "../../src/runtime/engine.js";
import { createCliLab, FIXBOT_BIN as BIN, type CliLab } from "../helpers/cli-lab.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const AGENTS = join(ROOT, "fixtures", "agents");

let lab: CliLab;
let labEnv: NodeJS.ProcessEnv;
let remote: CliLab["remote"];
let work: string;

beforeAll(async () => {
  lab = await createCliLab("fixbot-cli-resume", "add(2, 3) should be 5.");
  ({ env: labEnv, remote, work } = lab);
});

afterAll(async () => {
  if (lab)
    for (const dir of await readdir(join(lab.env.FIXBOT_DATA_DIR!, "cli-engine")).catch(() => [] as string[]))
      await stopEmbeddedEngine(join(lab.env.FIXBOT_DATA_DIR!, "cli-engine", dir));
  await lab?.cleanup();
});

async function waitForFile(path: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await stat(path).then(
      () => true,
      () => false,
    ))
  ) {
    if (Date.now() > deadline) throw new Error(`${path} never appeared`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function findWorkspaces(root: string): Promise<string[]> {
  const found: string[] = [];
  for (const repo of await readdir(root)) for (const ws of await readdir(join(root, repo))) found.push(join(root, repo, ws));
  return found;
}

describe("fixbot fix after a SIGKILL", () => {
  it("rerunning the same command resumes the recorded run: the finished clone is not redone, the interrupted agent step runs again", async () => {
    // The agent's marker: in the one host directory the sandboxed agent may write besides its workspace.
    const markers = join(work, "markers");
    await mkdir(markers, { recursive: true });
    await chmod(markers, 0o777);
    const marker = join(markers, "agent-starts");
    const env: NodeJS.ProcessEnv = { ...labEnv, FIXBOT_SANDBOX_RW_PATHS: markers, FIXBOT_SANDBOX_RO_PATHS: AGENTS };
    // First start: record, then hang (fixbot gets killed meanwhile). Any later start: record and fix.
    const agent = `echo start >> ${marker}; if [ "$(wc -l < ${marker})" -eq 1 ]; then sleep 300; fi; exec ${join(AGENTS, "fix-calc.sh")}`;
    const args = [BIN, "fix", "--repo", remote.url, "--issue-file", join(work, "issue.md"), "--agent-command", agent, "--json"];

    const first = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let firstErr = "";
    first.stderr.on("data", (d: Buffer) => (firstErr += d.toString()));
    await waitForFile(marker);
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    expect(firstErr).toContain("✓ Clone the repository");
    // A ref in fixbot's clean repository: a second clone-repo fetches the branch again and moves it back.
    const [gitDir] = await findWorkspaces(join(env.FIXBOT_DATA_DIR!, "git", "local"));
    await writeFile(join(gitDir!, "fixbot-test-sentinel"), "x");

    const { stdout, stderr } = await run(process.execPath, args, { env, timeout: 120_000 });
    // Depending on timing the wake-up alarm finishes the run before the rerun asks, or the rerun waits for it.
    expect(stderr).toMatch(/Resuming run|already finished; showing its result/);
    // The clone finished before the kill: it was not done again (the sentinel survived). The agent step was.
    await expect(stat(join(gitDir!, "fixbot-test-sentinel"))).resolves.toBeTruthy();
    const out = JSON.parse(stdout) as { status: string; attempts: number };
    expect(out.status).toBe("fixed");
    expect(out.attempts).toBe(1);
    // The agent started exactly twice: once before the kill, once on resume. The first one's process group
    // (still sleeping after fixbot died) was killed before the second started.
    expect((await readFile(marker, "utf8")).trim().split("\n")).toEqual(["start", "start"]);

    const fresh = await run(process.execPath, [...args, "--fresh"], { env, timeout: 120_000 });
    expect(fresh.stderr).not.toContain("Resuming run");
    expect(fresh.stderr).toContain("… Clone the repository");
    expect(JSON.parse(fresh.stdout)).toMatchObject({ status: "fixed" });
  });
});
