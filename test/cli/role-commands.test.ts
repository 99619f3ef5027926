import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";

function io(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out = { stdout: "", stderr: "" };
  return { out, io: { argv, env, stdout: (t: string) => (out.stdout += t), stderr: (t: string) => (out.stderr += t) } };
}

describe("fixbot serve / fixbot work", () => {
  it("are listed in the usage", async () => {
    const { out, io: cli } = io(["--help"]);
    expect(await main(cli)).toBe(0);
    expect(out.stdout).toContain("fixbot serve");
    expect(out.stdout).toContain("fixbot work");
  });

  it("refuse a FIXBOT_ROLE that says otherwise, naming both, before starting anything", async () => {
    const { out, io: cli } = io(["serve"], { FIXBOT_ROLE: "work" });
    expect(await main(cli)).toBe(2);
    expect(out.stderr).toContain("`fixbot serve` with FIXBOT_ROLE=work");
    expect(cli.env.FIXBOT_ROLE).toBe("work");
  });
});
