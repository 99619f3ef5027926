import { AgentError } from "../types.js";

/** The exact versions fixbot is tested with (package.json optionalDependencies). */
export const AGENTOS_PACKAGES = ["@rivet-dev/agentos-core@0.2.21", "@agentos-software/pi@0.2.7"] as const;
export const AGENTOS_INSTALL_COMMAND = `npm install ${AGENTOS_PACKAGES.join(" ")}`;

/** What fixbot uses of `@rivet-dev/agentos-core`, typed structurally (the package is optional). */
export interface AgentOsCoreModule {
  AgentOs: {
    createSidecar(options?: Record<string, unknown>): Promise<{ dispose(): Promise<void> }>;
    create(options: Record<string, unknown>): Promise<AgentOsInstance>;
  };
  hostDirMount(path: string, hostPath: string, options?: { readOnly?: boolean }): unknown;
}

export interface AgentOsInstance {
  filesystem: {
    mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
    writeFile(path: string, content: string | Uint8Array): Promise<void>;
  };
  sessions: {
    open(input: { sessionId: string; agent: string; cwd: string; env: Record<string, string> }): Promise<void>;
    prompt(input: {
      sessionId: string;
      content: Array<{ type: "text"; text: string }>;
    }): Promise<{ stopReason: string; message: { content?: unknown } | null }>;
    cancelPrompt(input: { sessionId: string }): Promise<unknown>;
    delete(input: { sessionId: string }): Promise<void>;
  };
  onSessionEvent(sessionId: string, handler: (entry: Record<string, unknown>) => void): () => void;
  dispose(): Promise<void>;
}

export interface AgentOsModules {
  core: AgentOsCoreModule;
  /** The pi agent package (its default export is the software descriptor agentOS installs). */
  pi: unknown;
}

let loading: Promise<AgentOsModules> | undefined;

function isMissingModule(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}

/**
 * Loads agentOS on first use only: it is a large optional install, and the bot and the command backend must not
 * pay for it. A missing package becomes an error that names the install command.
 */
export function loadAgentOs(): Promise<AgentOsModules> {
  loading ??= (async () => {
    try {
      // Variables, not literals: TypeScript must not resolve the optional packages at compile time.
      const coreName = "@rivet-dev/agentos-core";
      const piName = "@agentos-software/pi";
      const [core, pi] = await Promise.all([
        import(coreName) as Promise<AgentOsCoreModule>,
        import(piName) as Promise<{ default: unknown }>,
      ]);
      return { core, pi: pi.default };
    } catch (error) {
      loading = undefined;
      if (isMissingModule(error)) {
        throw new AgentError(
          `The agentOS backend is not installed (${(error as Error).message.split("\n")[0]}). Install it in fixbot's directory with: ${AGENTOS_INSTALL_COMMAND}`,
        );
      }
      throw error;
    }
  })();
  return loading;
}

/**
 * The Anthropic model ids pi knows, from the pi-ai package pi is built on (installed with it). Empty when it cannot
 * be read: then a configured model is declared to pi explicitly (see pi-config.ts), which works for any id.
 */
export async function piKnownModels(): Promise<readonly string[]> {
  try {
    const name = "@mariozechner/pi-ai";
    const piAi = (await import(name)) as { getModels(provider: string): Array<{ id: string }> };
    return piAi.getModels("anthropic").map((m) => m.id);
  } catch {
    return [];
  }
}
