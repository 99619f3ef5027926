import { execFileSync } from "node:child_process";
import { agentOsLauncher } from "../../src/agents/agentos/agentos-launcher.js";
import { loadAgentOs } from "../../src/agents/agentos/load-agentos.js";
import type { AgentVmLauncher } from "../../src/agents/agentos/vm.js";

/**
 * True when agentOS is installed. Tests that need the real VM skip without it on a developer machine, but in CI
 * (`CI` set) they run and fail, so a broken install cannot pass as green.
 */
export async function agentOsAvailable(): Promise<boolean> {
  if (process.env.CI) return true;
  return loadAgentOs().then(
    () => true,
    () => false,
  );
}

export interface VmCounts {
  started: number;
  opened: number;
  closed: number;
  disposed: number;
}

/** The real launcher, counting what it opens and closes (each VM, session, close and dispose that completed). */
export function countingLauncher(inner: AgentVmLauncher = agentOsLauncher()): { launcher: AgentVmLauncher; counts: VmCounts } {
  const counts: VmCounts = { started: 0, opened: 0, closed: 0, disposed: 0 };
  const launcher: AgentVmLauncher = {
    async start(params) {
      const vm = await inner.start(params);
      counts.started++;
      return {
        ...vm,
        openSession: async (p) => {
          await vm.openSession(p);
          counts.opened++;
        },
        closeSession: async (id) => {
          await vm.closeSession(id);
          counts.closed++;
        },
        dispose: async () => {
          await vm.dispose();
          counts.disposed++;
        },
      };
    },
  };
  return { launcher, counts };
}

/** agentOS sidecar processes started by this process and still running. */
export function leftoverSidecars(): string[] {
  const out = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)], { encoding: "utf8" }).trim();
  return out
    .split("\n")
    .filter((line) => line.includes("agentos-sidecar"))
    .map((line) => line.trim());
}
