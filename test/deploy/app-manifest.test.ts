import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createApp } from "../../src/app.js";
import { ConfigCaches } from "../../src/github/config-cache.js";
import { TOKEN_SCOPES } from "../../src/github/octokit.js";

const ROOT = join(import.meta.dirname, "..", "..");

/** The events the app's handlers listen to, as GitHub names them in a manifest (`issues.labeled` → `issues`). */
function subscribedEvents(): string[] {
  const names: string[] = [];
  const fakeProbot = { on: (name: string | string[]) => names.push(...[name].flat()) };
  createApp({
    acceptFix: async () => {},
    acceptReview: async () => {},
    acceptCommand: async () => {},
    now: Date.now,
    configCaches: new ConfigCaches({ maxAgeMs: 1000, maxEntries: 10 }),
  })(fakeProbot as never);
  return [...new Set(names.map((n) => n.split(".")[0]!))].sort();
}

describe("app.yml asks for exactly what fixbot uses", () => {
  it("the permissions are the union of the token scopes the steps ask for (the highest level of each), nothing more", async () => {
    const manifest = parse(await readFile(join(ROOT, "app.yml"), "utf8")) as {
      default_permissions: Record<string, string>;
      default_events: string[];
    };
    const needed: Record<string, string> = {};
    for (const scope of TOKEN_SCOPES) for (const [name, level] of Object.entries(scope)) if (needed[name] !== "write") needed[name] = level;
    expect(manifest.default_permissions).toEqual(needed);
    expect(needed.checks).toBe("write");
  });

  it("the events are the ones the handlers listen to", async () => {
    const manifest = parse(await readFile(join(ROOT, "app.yml"), "utf8")) as { default_events: string[] };
    expect([...manifest.default_events].sort()).toEqual(subscribedEvents());
  });
});
