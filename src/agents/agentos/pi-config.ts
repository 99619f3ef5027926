/**
 * How pi picks its model, read from pi-coding-agent 0.60 (inside @agentos-software/pi 0.2.7): no environment
 * variable; `createAgentSession` takes `defaultProvider`/`defaultModel` from `~/.pi/agent/settings.json` (the
 * project's `.pi/settings.json` overrides it) and looks the id up in its model registry. An id the registry does not
 * know is dropped silently for pi's default, claude-opus-4-6; `~/.pi/agent/models.json` can add one. So fixbot writes
 * these files into the VM's home before the session opens (never into the workspace, where they would be
 * committed). Pure.
 */

/** The VM user's home (agentOS runs the agent as uid 1000, HOME=/home/agentos). */
export const VM_HOME = "/home/agentos";
/** pi's default when no model is configured. */
export const PI_DEFAULT_MODEL = "claude-opus-4-6";

export interface VmFile {
  path: string;
  content: string;
}

export function piConfigFiles(params: { model?: string; knownModels: readonly string[]; proxyUrl: string }): VmFile[] {
  const { model } = params;
  if (!model) return [];
  const files: VmFile[] = [
    {
      path: `${VM_HOME}/.pi/agent/settings.json`,
      content: `${JSON.stringify({ defaultProvider: "anthropic", defaultModel: model }, null, 2)}\n`,
    },
  ];
  if (!params.knownModels.includes(model)) {
    // An unknown id joins the built-in anthropic provider, used verbatim; pi's defaults apply to it (no extended
    // thinking, 16k output tokens). "ANTHROPIC_API_KEY" names the variable pi reads the key from.
    const models = {
      providers: {
        anthropic: { baseUrl: params.proxyUrl, apiKey: "ANTHROPIC_API_KEY", api: "anthropic-messages", models: [{ id: model }] },
      },
    };
    files.push({ path: `${VM_HOME}/.pi/agent/models.json`, content: `${JSON.stringify(models, null, 2)}\n` });
  }
  return files;
}
