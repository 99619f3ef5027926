import { AgentError } from "../types.js";
import { loadAgentOs, type AgentOsInstance } from "./load-agentos.js";
import type { AgentVm, AgentVmEvent, AgentVmLauncher } from "./vm.js";

/** The agent inside the VM: pi, from `@agentos-software/pi`. */
const AGENT = "pi";

/** The text blocks of an ACP message, joined. Pure. */
export function messageText(message: { content?: unknown } | null): string {
  if (!message || !Array.isArray(message.content)) return "";
  return (message.content as Array<{ type?: string; text?: unknown }>)
    .map((block) => (block.type === "text" && typeof block.text === "string" ? block.text : ""))
    .join("");
}

function wrap(vm: AgentOsInstance, disposeSidecar: () => Promise<void>): AgentVm {
  return {
    async writeFile(path, content) {
      const dir = path.slice(0, path.lastIndexOf("/"));
      if (dir) await vm.filesystem.mkdir(dir, { recursive: true });
      await vm.filesystem.writeFile(path, content);
    },
    openSession: ({ sessionId, cwd, env }) => vm.sessions.open({ sessionId, agent: AGENT, cwd, env }),
    async prompt(sessionId, text) {
      const result = await vm.sessions.prompt({ sessionId, content: [{ type: "text", text }] });
      return { stopReason: result.stopReason, text: messageText(result.message) };
    },
    async cancelPrompt(sessionId) {
      await vm.sessions.cancelPrompt({ sessionId });
    },
    closeSession: (sessionId) => vm.sessions.delete({ sessionId }),
    onSessionEvent: (sessionId, handler) => vm.onSessionEvent(sessionId, (entry) => handler(entry as AgentVmEvent)),
    async dispose() {
      try {
        await vm.dispose();
      } finally {
        await disposeSidecar();
      }
    },
  };
}

/**
 * Real agentOS VMs. Each VM gets its own native sidecar process, disposed with the VM: agentOS's default shared
 * sidecar outlives every VM (about 0.5 GB resident), and "nothing left running" after a step is the contract.
 */
export function agentOsLauncher(): AgentVmLauncher {
  return {
    async start(params) {
      const { core, pi } = await loadAgentOs();
      const sidecar = await core.AgentOs.createSidecar();
      try {
        const vm = await core.AgentOs.create({
          sidecar: { kind: "explicit", handle: sidecar },
          software: [pi],
          mounts: [core.hostDirMount(params.mountPath, params.hostDir, { readOnly: false })],
          database: { type: "sqlite_file", path: params.databasePath },
          loopbackExemptPorts: params.loopbackPorts,
          // pi's stderr is diagnostics of the agent process, not the agent's output: keep it out of ours.
          onAgentStderr: () => undefined,
        });
        return wrap(vm, () => sidecar.dispose());
      } catch (error) {
        await sidecar.dispose().catch(() => undefined);
        throw new AgentError(`The agentOS VM did not start: ${(error as Error).message.split("\n")[0]}`);
      }
    },
  };
}
