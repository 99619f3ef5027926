import type { Logger } from "pino";

/** One entry of GitHub's "list deliveries for an app webhook" answer (the fields fixbot reads). */
export interface HookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status_code: number;
  event: string;
  action?: string | null;
}

/** Events fixbot acts on; failed deliveries of other events are not worth a redelivery. */
const HANDLED_EVENTS = new Set(["issues", "issue_comment", "pull_request", "pull_request_review_comment"]);

/**
 * Which deliveries to ask GitHub to send again: those of the last `maxAgeMs` whose every attempt failed (the
 * process died before answering, or answered 5xx because it could not enqueue). One redelivery per delivery
 * guid, of its latest attempt. Pure.
 */
export function pickRedeliveries(deliveries: readonly HookDelivery[], now: number, maxAgeMs: number): HookDelivery[] {
  const byGuid = new Map<string, HookDelivery[]>();
  for (const d of deliveries) {
    if (!HANDLED_EVENTS.has(d.event)) continue;
    if (now - Date.parse(d.delivered_at) > maxAgeMs) continue;
    byGuid.set(d.guid, [...(byGuid.get(d.guid) ?? []), d]);
  }
  const picked: HookDelivery[] = [];
  for (const attempts of byGuid.values()) {
    if (attempts.some((a) => a.status_code >= 200 && a.status_code < 300)) continue;
    picked.push(attempts.reduce((latest, a) => (Date.parse(a.delivered_at) > Date.parse(latest.delivered_at) ? a : latest)));
  }
  return picked.sort((a, b) => Date.parse(a.delivered_at) - Date.parse(b.delivered_at));
}

/** The App-level (JWT) client: just the one generic request method this needs. */
export interface AppRequester {
  request(
    route: string,
    params?: Record<string, unknown>,
  ): Promise<{ data: unknown; headers?: Record<string, string | number | undefined> }>;
}

/**
 * On start: asks GitHub for the App's recent deliveries and redelivers the failed ones. A delivery that reached
 * a process which died before enqueueing it is not lost; one that was enqueued is deduplicated by its id in the
 * actor, so a redelivery never starts a second run.
 */
export async function recoverFailedDeliveries(params: {
  app: AppRequester;
  log: Logger;
  now?: number;
  maxAgeMs?: number;
  maxPages?: number;
}): Promise<string[]> {
  const now = params.now ?? Date.now();
  const maxAgeMs = params.maxAgeMs ?? 6 * 3600_000;
  const seen: HookDelivery[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < (params.maxPages ?? 5); page++) {
    const { data, headers } = await params.app.request("GET /app/hook/deliveries", { per_page: 100, ...(cursor ? { cursor } : {}) });
    const batch = data as HookDelivery[];
    seen.push(...batch);
    const oldest = batch.at(-1);
    cursor = nextCursor(String(headers?.link ?? ""));
    if (!cursor || !oldest || now - Date.parse(oldest.delivered_at) > maxAgeMs) break;
  }
  const picked = pickRedeliveries(seen, now, maxAgeMs);
  const redelivered: string[] = [];
  for (const delivery of picked) {
    try {
      await params.app.request("POST /app/hook/deliveries/{delivery_id}/attempts", { delivery_id: delivery.id });
      redelivered.push(delivery.guid);
      params.log.info(
        { deliveryId: delivery.guid, event: delivery.event, action: delivery.action },
        "asked GitHub to redeliver a failed webhook",
      );
    } catch (error) {
      params.log.warn({ deliveryId: delivery.guid, err: error }, "could not redeliver a failed webhook");
    }
  }
  return redelivered;
}

/** GitHub pages deliveries with a cursor carried in the Link header's rel="next" URL. Pure. */
export function nextCursor(link: string): string | undefined {
  const next = link.split(",").find((part) => /rel="next"/.test(part));
  const url = next ? /<([^>]+)>/.exec(next)?.[1] : undefined;
  return url ? (new URL(url).searchParams.get("cursor") ?? undefined) : undefined;
}
