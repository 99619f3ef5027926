/**
 * The small slice of agentOS the backend uses, as an interface: the real implementation (agentos-launcher.ts)
 * wraps `@rivet-dev/agentos-core`; unit tests pass a fake, and the VM tests wrap the real one to count opens and
 * disposes. Keeping the package's own types out of here lets fixbot type-check and run without the optional
 * package installed.
 */

/** One session update from the agent (ACP `session/update`, with its discriminator as `type`). */
export interface AgentVmEvent {
  type: string;
  [field: string]: unknown;
}

export interface AgentVmPromptResult {
  /** ACP stop reason: "end_turn", "cancelled", "max_tokens", "refusal", ... */
  stopReason: string;
  /** The text of the agent's final message ("" when it has none). */
  text: string;
}

export interface AgentVm {
  writeFile(path: string, content: string): Promise<void>;
  openSession(params: { sessionId: string; cwd: string; env: Record<string, string> }): Promise<void>;
  prompt(sessionId: string, text: string): Promise<AgentVmPromptResult>;
  cancelPrompt(sessionId: string): Promise<void>;
  closeSession(sessionId: string): Promise<void>;
  onSessionEvent(sessionId: string, handler: (event: AgentVmEvent) => void): () => void;
  /** Stops the VM and everything it started (the native sidecar process too). */
  dispose(): Promise<void>;
}

export interface AgentVmStartParams {
  /** Host directory mounted read-write into the VM. */
  hostDir: string;
  /** Where it appears inside the VM. */
  mountPath: string;
  /** Loopback ports of the host the VM may reach (the model proxy). */
  loopbackPorts: number[];
  /** SQLite file for the VM's session state (agentOS requires one to open sessions). */
  databasePath: string;
}

export interface AgentVmLauncher {
  start(params: AgentVmStartParams): Promise<AgentVm>;
}
