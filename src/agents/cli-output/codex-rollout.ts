import { constants, type Dirent } from "node:fs";
import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { createJsonLines } from "./json-lines.js";

/** What Codex's session log says it has used so far: one `token_count` event per model response. */
export interface CodexSessionUsage {
  turns: number;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
}

type Obj = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0);
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const READ_PER_TICK = 1024 * 1024;
const MAX_ENTRIES = 64;

/** The first regular `rollout-*.jsonl` under sessions/YYYY/MM/DD, never following links; bounded listing. */
async function findRollout(dir: string, depth = 0): Promise<string | undefined> {
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.slice(0, MAX_ENTRIES)) {
    if (depth === 3 && entry.isFile() && entry.name.startsWith("rollout-") && entry.name.endsWith(".jsonl")) return join(dir, entry.name);
    if (depth < 3 && entry.isDirectory()) {
      const found = await findRollout(join(dir, entry.name), depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Follows Codex's session log while it runs (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl`, which the codex
 * preset puts in the invocation's files directory): after every model response Codex appends a `token_count`
 * event with the session's cumulative `total_token_usage`, which its `--json` stdout only reports when the turn
 * ends. The file is written by sandboxed code: opened without following links or blocking, read incrementally,
 * at most 1 MiB a tick, line by line through the same bounded reader as stdout.
 */
export function watchCodexRollout(params: { sessionsDir: string; intervalMs?: number; onUsage: (usage: CodexSessionUsage) => void }): {
  stop(): Promise<void>;
} {
  let file: string | undefined;
  let offset = 0;
  let turns = 0;
  const decoder = new StringDecoder("utf8");
  const lines = createJsonLines((line) => {
    const payload = line.type === "event_msg" && isObj(line.payload) ? line.payload : undefined;
    const info = payload?.type === "token_count" && isObj(payload.info) ? payload.info : undefined;
    const total = info && isObj(info.total_token_usage) ? info.total_token_usage : undefined;
    if (!total) return;
    turns += 1;
    params.onUsage({
      turns,
      inputTokens: num(total.input_tokens),
      cachedInputTokens: num(total.cached_input_tokens),
      outputTokens: num(total.output_tokens),
    });
  });
  const readMore = async () => {
    file ??= await findRollout(params.sessionsDir);
    if (!file) return;
    const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => undefined);
    if (!handle) return;
    try {
      if (!(await handle.stat()).isFile()) return;
      const buffer = Buffer.alloc(READ_PER_TICK);
      const { bytesRead } = await handle.read(buffer, 0, READ_PER_TICK, offset);
      offset += bytesRead;
      if (bytesRead > 0) lines.push(decoder.write(buffer.subarray(0, bytesRead)));
    } finally {
      await handle.close();
    }
  };
  let running: Promise<void> = Promise.resolve();
  const tick = () => (running = running.then(readMore).catch(() => undefined));
  const timer = setInterval(() => void tick(), params.intervalMs ?? 250);
  return {
    async stop() {
      clearInterval(timer);
      await tick();
      lines.end();
    },
  };
}
