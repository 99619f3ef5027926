import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { keepingEnvironment } from "../../src/config/dotenv.js";
import { replicaId, replicaInboxDir, ReplicaIdError } from "../../src/runtime/replica.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("replicaId", () => {
  it("FIXBOT_REPLICA_ID, else the host name; a value that cannot name a directory is refused naming its source", () => {
    expect(replicaId({ FIXBOT_REPLICA_ID: "fixbot-2" }, "host-a")).toBe("fixbot-2");
    expect(replicaId({}, "host-a")).toBe("host-a");
    expect(() => replicaId({ FIXBOT_REPLICA_ID: "../x" }, "h")).toThrow(ReplicaIdError);
    expect(() => replicaId({ FIXBOT_REPLICA_ID: "../x" }, "h")).toThrow(/^FIXBOT_REPLICA_ID: /);
    expect(() => replicaId({}, "")).toThrow(/host name \(set FIXBOT_REPLICA_ID\)/);
  });
});

describe("replicaInboxDir", () => {
  it("is inbox/<id>; the shared inbox of earlier versions is moved in, other replicas' directories are left alone", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "fixbot-replica-"));
    dirs.push(dataDir);
    const shared = join(dataDir, "inbox");
    await mkdir(join(shared, "peer"), { recursive: true });
    await writeFile(join(shared, "peer", "journal-000000000001.jsonl"), "");
    await writeFile(join(shared, "journal-000000000007.jsonl"), '{"op":"done","id":"x"}\n');
    await writeFile(join(shared, "d-1.json"), "{}");
    const dir = await replicaInboxDir({ dataDir, id: "me", log: pino({ level: "silent" }) });
    expect(dir).toBe(join(shared, "me"));
    expect((await readdir(dir)).sort()).toEqual(["d-1.json", "journal-000000000007.jsonl"]);
    expect(await readdir(join(shared, "peer"))).toEqual(["journal-000000000001.jsonl"]);
    expect((await readdir(shared)).sort()).toEqual(["me", "peer"]);
  });
});

describe("keepingEnvironment", () => {
  it("gives a snapshot and puts every variable back as it was, whatever the function did to process.env", async () => {
    process.env.FIXBOT_TEST_KEEP = "from-env";
    delete process.env.FIXBOT_TEST_ADDED;
    const seen = await keepingEnvironment(async (snapshot) => {
      process.env.FIXBOT_TEST_KEEP = "from-dotenv";
      process.env.FIXBOT_TEST_ADDED = "x";
      return snapshot.FIXBOT_TEST_KEEP;
    });
    expect(seen).toBe("from-env");
    expect(process.env.FIXBOT_TEST_KEEP).toBe("from-env");
    expect(process.env.FIXBOT_TEST_ADDED).toBeUndefined();
    delete process.env.FIXBOT_TEST_KEEP;
  });
});
