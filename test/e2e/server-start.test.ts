import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const TSX = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "esm", "index.mjs")).href;
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** The bot as `npm start` runs it, with a clean environment (no App credentials unless given), in `cwd`. */
async function startServer(env: Record<string, string>, cwd = ROOT): Promise<{ child: ChildProcess; output: () => string }> {
  const dataDir = await mkdtemp(join(tmpdir(), "fixbot-start-"));
  dirs.push(dataDir);
  const child = spawn(process.execPath, ["--import", TSX, join(ROOT, "src", "server.ts")], {
    cwd,
    env: { PATH: process.env.PATH!, HOME: dataDir, FIXBOT_DATA_DIR: dataDir, NODE_ENV: "development", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

describe("starting the bot", () => {
  it("with no GitHub App configured, serves Probot's setup flow to create one from app.yml", async () => {
    const port = await freePort();
    const { output } = await startServer({ PORT: String(port) });
    let page = "";
    for (let i = 0; i < 100 && !page; i++) {
      page = await fetch(`http://127.0.0.1:${port}/probot`).then(
        (r) => (r.ok ? r.text() : ""),
        () => "",
      );
      if (!page) await new Promise((r) => setTimeout(r, 200));
    }
    expect(page, output()).toContain("Register GitHub App");
    expect(page).toContain("fixbot");
    const root = await fetch(`http://127.0.0.1:${port}/`, { redirect: "manual" });
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/probot");
  });

  it("a bad environment value stops start-up with a message naming the variable", async () => {
    const { child, output } = await startServer({ PORT: "not-a-port", APP_ID: "abc", LOG_LEVEL: "loud" });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(output()).toContain("Invalid environment");
    expect(output()).toMatch(/PORT: /);
    expect(output()).toMatch(/APP_ID: must be the numeric GitHub App id/);
    expect(output()).toMatch(/LOG_LEVEL: /);
  });

  it("reads the .env the setup flow wrote in the working directory; variables already set win", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "fixbot-dotenv-"));
    dirs.push(cwd);
    await writeFile(join(cwd, ".env"), 'APP_ID=abc\nLOG_LEVEL=info\nPRIVATE_KEY="-----BEGIN\\nnot a key\\n-----END"\n');
    const { child, output } = await startServer({ LOG_LEVEL: "loud" }, cwd);
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(output()).toMatch(/APP_ID: must be the numeric GitHub App id/);
    expect(output()).toMatch(/LOG_LEVEL: /);
  });
});
