import { mkdir, readdir, rename, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";

/** A bad FIXBOT_REPLICA_ID (or host name): start-up stops with this message. */
export class ReplicaIdError extends Error {}

const REPLICA_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * This process's stable identity among the fixbot processes sharing a data directory: FIXBOT_REPLICA_ID, else
 * the host name (a container's, which survives its restarts; compose gives each replica its own). Throws a
 * message naming the variable for a value that cannot be a directory name. Pure but for the host name.
 */
export function replicaId(env: NodeJS.ProcessEnv, host: string = hostname()): string {
  const id = env.FIXBOT_REPLICA_ID ?? host;
  if (!REPLICA_ID.test(id)) {
    const origin = env.FIXBOT_REPLICA_ID !== undefined ? "FIXBOT_REPLICA_ID" : "the host name (set FIXBOT_REPLICA_ID)";
    throw new ReplicaIdError(`${origin}: "${id}" must be 1-64 letters, digits, ".", "_" or "-"`);
  }
  return id;
}

/** Files of an inbox written before inboxes were per process: journal segments and single deliveries. */
const LEGACY_FILE = /^(journal-\d{12}\.jsonl|.+\.json)$/;

/**
 * The inbox directory of one replica: `<dataDir>/inbox/<id>`. Each process journals and replays only its own,
 * so a starting replica never touches a live peer's deliveries, and a replica restarted with the same id hands
 * on what it had accepted. Deliveries of the shared inbox of earlier versions are moved in (a rename each: if
 * two replicas start at once, each file goes to one of them).
 */
export async function replicaInboxDir(params: { dataDir: string; id: string; log: Logger }): Promise<string> {
  const shared = join(params.dataDir, "inbox");
  const dir = join(shared, params.id);
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(shared)) {
    if (!LEGACY_FILE.test(name)) continue;
    const from = join(shared, name);
    if (
      !(await stat(from).then(
        (s) => s.isFile(),
        () => false,
      ))
    )
      continue;
    if (
      await stat(join(dir, name)).then(
        () => true,
        () => false,
      )
    )
      continue;
    await rename(from, join(dir, name)).then(
      () =>
        params.log.info(
          { file: name, replica: params.id },
          "inbox: moved a delivery file of the shared inbox of an earlier version into this process's inbox",
        ),
      () => undefined,
    );
  }
  return dir;
}
