/**
 * True when at least one workflow runner (a RivetKit envoy: a `fixbot work` or `fixbot` process) is registered
 * with the engine in the default namespace. What a `fixbot serve` process's health check asks: without one,
 * webhooks are recorded but nothing runs them.
 */
export async function runnersConnected(endpoint: string, token: string | undefined = process.env.RIVET_TOKEN): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/envoys?namespace=${encodeURIComponent(process.env.RIVET_NAMESPACE ?? "default")}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(1000),
    });
    if (!res.ok) return false;
    const body = (await res.json()) as { envoys?: unknown[] };
    return (body.envoys ?? []).length > 0;
  } catch {
    return false;
  }
}
