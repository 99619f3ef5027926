/**
 * Warm clones: filling a run's clean repository from the installation's mirror (src/git/mirror.ts) against the
 * cold fetch every run did before (the whole history from the remote), on a generated repository with a long
 * history (BENCH_CLONE_COMMITS commits, default 5,000; tens of MB), served by `git http-backend` on loopback
 * behind a node http server that demands the token header, as GitHub does.
 *
 * Measured, each for a fresh issue (a clean repository that does not exist yet), the same code the clone step
 * runs (fetchBranch):
 * - cold: straight from the remote (no mirror): the baseline, ROUNDS times;
 * - first use of a mirror (cold, plus the mirror's own bookkeeping), once;
 * - warm: the mirror is there and the remote has nothing new, ROUNDS times;
 * - warm + 1 new commit on the remote, ROUNDS times.
 * The remote is on the same machine: a real GitHub adds network time to the cold fetch (tens of MB), so the
 * ratio here understates the gain.
 *
 * Run alone: `npx tsx bench/clone.ts` (or all benches: `npm run bench`).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fetchBranch } from "../src/git/clean-repo.js";
import { mirrorDirFor } from "../src/git/mirror.js";
import { diskBytes } from "../src/workspaces/sweep.js";
import { startGitHttpServer } from "../test/helpers/git-http-server.js";
import { addCommit, createLongHistoryRepo } from "../test/helpers/long-history-repo.js";
import { loadLine, median, ms, ratio, runAsMain, type BenchResult } from "./lib.js";

const COMMITS = Number(process.env.BENCH_CLONE_COMMITS ?? 5000);
const ROUNDS = 5;
const TOKEN = "ghs_bench_read_token";
const timeoutMs = 600_000;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function run(): Promise<BenchResult> {
  console.log(`\n== clone: warm from the mirror vs cold from the remote (${COMMITS} commits) ==`);
  const root = await mkdtemp(join(tmpdir(), "fixbot-bench-clone-"));
  const server = await startGitHttpServer({ root: join(root, "remote"), token: TOKEN });
  try {
    const remote = join(root, "remote", "acme", "big.git");
    const made = await timed(() =>
      createLongHistoryRepo({ dir: remote, commits: COMMITS, files: 200, filesPerCommit: 2, bytesPerFile: 8192 }),
    );
    const size = await diskBytes(remote);
    console.log(`generated the remote: ${COMMITS} commits, ${(size / 1024 ** 2).toFixed(1)} MB on disk, in ${ms(made)}`);
    const url = server.urlFor("acme/big.git");
    const dataDir = join(root, "data");
    const mirror = { dataDir, dir: mirrorDirFor(dataDir, 1, "acme", "big") };
    let issue = 0;
    const fetchIssue = (viaMirror: boolean) =>
      fetchBranch({
        url,
        token: TOKEN,
        timeoutMs,
        gitDir: join(dataDir, "git", "acme", "big", `${++issue}.git`),
        branch: "main",
        ...(viaMirror ? { mirror } : {}),
      });
    console.log(loadLine());
    const cold: number[] = [];
    for (let i = 0; i < ROUNDS; i++) cold.push(await timed(() => fetchIssue(false)));
    const packsBefore = server.packsSent().length;
    const firstUse = await timed(() => fetchIssue(true));
    const warm: number[] = [];
    for (let i = 0; i < ROUNDS; i++) warm.push(await timed(() => fetchIssue(true)));
    const packsWarm = server.packsSent().length - packsBefore - 1;
    const newCommit: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      addCommit(remote, `NEW-${i}.md`, `change ${i}\n`);
      newCommit.push(await timed(() => fetchIssue(true)));
    }
    const coldPack = server.packsSent()[0]?.bytes ?? Number.NaN;
    const lastPack = server.packsSent().at(-1)?.bytes ?? Number.NaN;
    console.log(loadLine());
    const r = median(cold) / median(warm);
    console.log(
      `cold (no mirror, today's path): median ${ms(median(cold))} of ${cold.map((v) => v.toFixed(0)).join(", ")} ms; pack ${(coldPack / 1024 ** 2).toFixed(1)} MB`,
    );
    console.log(`first use of the mirror (cold): ${ms(firstUse)}`);
    console.log(
      `warm, nothing new: median ${ms(median(warm))} of ${warm.map((v) => v.toFixed(0)).join(", ")} ms; packs the remote sent: ${packsWarm}`,
    );
    console.log(`warm, 1 new commit: median ${ms(median(newCommit))}; pack ${(lastPack / 1024).toFixed(1)} KB`);
    console.log(
      `warm vs cold: ${ratio(r)} faster (goal ≥ 10x: ${r >= 10 ? "met" : "NOT met"}); warm+1 commit vs cold: ${ratio(median(cold) / median(newCommit))}`,
    );
    return {
      name: "clone",
      rows: [
        {
          bench: "clone",
          figure: `warm from mirror vs cold (${COMMITS} commits, median)`,
          measured: ms(median(warm)),
          baseline: ms(median(cold)),
          ratio: ratio(median(warm) / median(cold)),
        },
        {
          bench: "clone",
          figure: "warm + 1 new commit vs cold (median)",
          measured: ms(median(newCommit)),
          baseline: ms(median(cold)),
          ratio: ratio(median(newCommit) / median(cold)),
        },
        {
          bench: "clone",
          figure: "first use of the mirror vs cold",
          measured: ms(firstUse),
          baseline: ms(median(cold)),
          ratio: ratio(firstUse / median(cold)),
        },
      ],
      raw: { cold, warm, newCommit, firstUse, remoteBytes: size, coldPackBytes: coldPack },
      leftoverEngines: [],
    };
  } finally {
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
}

runAsMain(run);
