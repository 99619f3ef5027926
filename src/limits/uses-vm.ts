import { selectAgent } from "../agents/selection.js";

/** Does the step's agent start an agentOS VM (so it also needs a VM slot)? Pure. */
export function usesVm(agentConfig: Parameters<typeof selectAgent>[0], role: Parameters<typeof selectAgent>[1]): boolean {
  return selectAgent(agentConfig, role)?.backend === "agentos";
}
